import 'reflect-metadata';
import { bootOrExit, loadConfig, runApp } from '@evento/platform';
import { telemetryApp } from './app.definition';
import { TelemetryConfig } from './config/telemetry.config';

bootOrExit(() => runApp(telemetryApp(loadConfig(TelemetryConfig))));
