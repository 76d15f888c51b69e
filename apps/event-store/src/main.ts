import 'reflect-metadata';
import { bootOrExit, loadConfig, runApp } from '@evento/platform';
import { eventStoreApp } from './app.definition';
import { EventStoreConfig } from './config/event-store.config';

bootOrExit(() => runApp(eventStoreApp(loadConfig(EventStoreConfig))));
