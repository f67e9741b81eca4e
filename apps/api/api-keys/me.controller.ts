import { Controller, Get, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { allows, Permission, PERMISSIONS, Principal } from '@rdm/application/auth';
import { RequirePermission } from '../http/auth.guard';

/** Who the caller is and what its key may do (the console hides what a role may not do). */
@ApiTags('api-keys')
@Controller('v1/me')
export class MeController {
  @Get()
  @RequirePermission('self.read')
  @ApiOperation({ summary: 'The calling key: id, name, roles and the permissions they grant' })
  me(@Req() request: { principal: Principal }) {
    const { keyId, name, roles } = request.principal;
    const permissions = (Object.keys(PERMISSIONS) as Permission[]).filter((permission) => allows(roles, permission));
    return { keyId, name, roles, permissions };
  }
}
