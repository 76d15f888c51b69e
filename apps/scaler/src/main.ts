import 'reflect-metadata';
import { bootOrExit, loadConfig, runApp } from '@evento/platform';
import { scalerApp } from './app.definition';
import { ScalerConfig } from './config/scaler.config';

bootOrExit(() => runApp(scalerApp(loadConfig(ScalerConfig))));
