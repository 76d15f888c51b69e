import { type DynamicModule, Global, Module } from '@nestjs/common';
import { BaseConfig } from './base.config';

/** Makes the app's validated config injectable both as its own class and as BaseConfig. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot<T extends BaseConfig>(config: T): DynamicModule {
    const ownClass = config.constructor as new () => T;
    const providers = [{ provide: BaseConfig, useValue: config }];
    if (ownClass !== BaseConfig) providers.push({ provide: ownClass, useValue: config });
    return { module: AppConfigModule, providers, exports: providers.map((p) => p.provide) };
  }
}
