import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The project stands alone: every relative link in its Markdown points at a file inside the
 * repository that exists (anchors are not checked, files are).
 */

const ROOT = join(__dirname, '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (['node_modules', 'dist', '.git'].includes(name)) return [];
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

describe('links in the documentation', () => {
  const files = markdownFiles(ROOT).filter((file) => !relative(ROOT, file).startsWith('bench/results'));

  it('finds the documents', () => {
    expect(files.map((file) => relative(ROOT, file))).toEqual(
      expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/protocol.md', 'docs/security.md']),
    );
  });

  it.each(files.map((file) => [relative(ROOT, file), file]))(
    '%s links only to files in the repository',
    (_name, file) => {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
      const broken: string[] = [];
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1];
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = resolve(dirname(file), target.split('#')[0]);
        if (relative(ROOT, path).startsWith('..') || !existsSync(path)) broken.push(target);
      }
      expect(broken).toEqual([]);
    },
  );
});
