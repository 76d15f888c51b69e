import 'reflect-metadata';
import { bootOrExit, loadConfig, runApp } from '@evento/platform';
import { gatewayApp } from './app.definition';
import { GatewayConfig } from './config/gateway.config';

bootOrExit(() => runApp(gatewayApp(loadConfig(GatewayConfig))));
