// The root router: every feature's router under its name. AppRouter is the type the SDK is built on.
import { authRouter } from '../auth/router';
import { sessionsRouter } from '../sessions/router';
import { systemRouter } from '../system/router';
import { roomsRouter } from '../rooms/router';
import { orgsRouter } from '../orgs/router';
import { recordingsRouter } from '../recordings/router';
import { router } from './init';

export const appRouter = router({
  auth: authRouter,
  system: systemRouter,
  sessions: sessionsRouter,
  rooms: roomsRouter,
  orgs: orgsRouter,
  recordings: recordingsRouter,
});

export type AppRouter = typeof appRouter;
