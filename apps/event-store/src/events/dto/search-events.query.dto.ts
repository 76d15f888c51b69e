import { SearchEventsRequest } from '@evento/contracts';

/** Query string of GET /events: the same filters as the NATS search request. */
export class SearchEventsQueryDto extends SearchEventsRequest {}
