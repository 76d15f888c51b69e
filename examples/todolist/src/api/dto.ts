import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class CreateListBody {
  @ApiProperty({ example: 'Groceries' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'alice' })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'owner must be 1-64 of A-Z a-z 0-9 _ -' })
  owner: string;
}

export class AddItemBody {
  @ApiProperty({ example: 'Milk' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text: string;
}

export class ListsByOwnerParams {
  @ApiProperty({ example: 'alice' })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'owner must be 1-64 of A-Z a-z 0-9 _ -' })
  owner: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? Number(value) : (value as unknown)))
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? Number(value) : (value as unknown)))
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

export class CreatedList {
  @ApiProperty()
  listId: string;

  @ApiProperty({ description: 'Position of the stored event: wait for the view to reach it' })
  position: string;
}

export class CreatedItem {
  @ApiProperty()
  itemId: string;

  @ApiProperty()
  position: string;
}

export class Accepted {
  @ApiProperty()
  position: string;
}
