import { ErrorCode, EventoError } from '@evento/contracts';
import { Requires } from '@evento/platform';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ScalerConfig } from '../config/scaler.config';
import { LeaderElection } from '../leader/leader-election';
import { DecisionsRepository } from './decisions.repository';
import { type DecisionView, DecisionsQueryDto, type ScalerStatusView } from './dto/decision.dto';

const DEFAULT_LIMIT = 50;

@ApiTags('decisions')
@Controller()
export class DecisionsHttpController {
  constructor(
    private readonly decisions: DecisionsRepository,
    private readonly leader: LeaderElection,
    private readonly config: ScalerConfig,
  ) {}

  @Requires('viewer')
  @Get('decisions')
  @ApiOperation({ summary: 'The decision log, newest first: reason, inputs, actuator output and outcome' })
  list(@Query() query: DecisionsQueryDto): Promise<DecisionView[]> {
    return this.decisions.list(query.bundleId, query.limit ?? DEFAULT_LIMIT, query.before?.toString());
  }

  @Requires('viewer')
  @Get('decisions/:decisionId')
  @ApiOperation({ summary: 'One decision with the starts and drains it asked for' })
  async get(@Param('decisionId') decisionId: string): Promise<DecisionView> {
    if (!/^\d{1,18}$/.test(decisionId)) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'decisionId must be a decision id (digits)');
    }
    const decision = await this.decisions.get(decisionId);
    if (!decision) throw new EventoError(ErrorCode.NOT_FOUND, `No decision ${decisionId}`);
    return decision;
  }

  @Requires('viewer')
  @Get('scaler/status')
  @ApiOperation({ summary: 'Whether this replica is the active scaler' })
  status(): ScalerStatusView {
    return { scalerInstanceId: this.config.INSTANCE_ID, leader: this.leader.isLeader };
  }
}
