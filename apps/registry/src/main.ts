import 'reflect-metadata';
import { bootOrExit, loadConfig, runApp } from '@evento/platform';
import { registryApp } from './app.definition';
import { RegistryConfig } from './config/registry.config';

bootOrExit(() => runApp(registryApp(loadConfig(RegistryConfig))));
