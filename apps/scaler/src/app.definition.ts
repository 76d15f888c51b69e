import type { AppDefinition } from '@evento/platform';
import { ScalerAppModule } from './app.module';
import type { ScalerConfig } from './config/scaler.config';

export function scalerApp(config: ScalerConfig): AppDefinition {
  return {
    name: 'scaler',
    title: 'Evento Scaler',
    description: 'Scales bundle instances from their load signals, on Kubernetes or with a deploy script.',
    module: ScalerAppModule.register(config),
    config,
  };
}
