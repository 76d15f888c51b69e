import { ArrayMaxSize, IsArray, Matches } from 'class-validator';
import { defineEvent, defineRequest } from '../contract';
import { SUBJECT_PREFIX } from '../protocol';
import {
  DeleteAggregateRequest,
  DeleteAggregateResponse,
  LoadSnapshotRequest,
  LoadStoryRequest,
  SaveSnapshotRequest,
  SaveSnapshotResponse,
  SnapshotBody,
  StoryResponse,
} from './aggregates.contract';
import {
  AppendRequest,
  AppendResponse,
  FetchRequest,
  FetchResponse,
  HeadRequest,
  HeadResponse,
  NAME_PATTERN,
} from './events.contract';
import { SearchEventsRequest, SearchEventsResponse } from './search.contract';

export * from './events.contract';
export * from './aggregates.contract';
export * from './search.contract';

/** Published after every commit: which contexts got events, and the newest cursor. */
export class EventsAppended {
  @IsArray()
  @ArrayMaxSize(10_000)
  @Matches(NAME_PATTERN, { each: true, message: 'contexts must be context names' })
  contexts: string[];

  @Matches(/^(|\d{1,20}|\d{1,20}:\d{1,20})$/, { message: 'cursor must be a cursor of the event store' })
  cursor: string;
}

const ES = `${SUBJECT_PREFIX}.event-store` as const;

export const EventStoreContracts = {
  append: defineRequest(`${ES}.events.append`, AppendRequest, AppendResponse),
  fetch: defineRequest(`${ES}.events.fetch`, FetchRequest, FetchResponse),
  head: defineRequest(`${ES}.events.head`, HeadRequest, HeadResponse),
  search: defineRequest(`${ES}.events.search`, SearchEventsRequest, SearchEventsResponse),
  loadStory: defineRequest(`${ES}.aggregates.story`, LoadStoryRequest, StoryResponse),
  saveSnapshot: defineRequest(`${ES}.snapshots.save`, SaveSnapshotRequest, SaveSnapshotResponse),
  loadSnapshot: defineRequest(`${ES}.snapshots.load`, LoadSnapshotRequest, SnapshotBody),
  deleteAggregate: defineRequest(`${ES}.aggregates.delete`, DeleteAggregateRequest, DeleteAggregateResponse),
  /** Fan-out notification to every event-store replica and any interested reader. */
  appended: defineEvent(`${ES}.events.appended`, EventsAppended),
} as const;
