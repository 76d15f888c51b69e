import { HeadRequest } from '@evento/contracts';

export class HeadQueryDto extends HeadRequest {}
