/**
 * The dashboard's own routes: what a page needs to know before signing in (`/simhub/info`, public),
 * the one-click local session (`/simhub/session`, loopback only, see auth.ts), and the live feed.
 */
import { localSessionProblem, LOCAL_SESSION_TTL_SECONDS, serviceToken } from './auth.ts';
import { ServiceError } from './errors.ts';
import { openLiveFeed } from './live-feed.ts';
import type { Route } from './router.ts';
import { isoTime } from './shapes.ts';

/** The dashboard routes. */
export const sessionRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/simhub/info',
    family: 'sim',
    authenticated: false,
    handler: async ({ runtime, request }) => ({
      status: 200,
      body: {
        hostName: runtime.hub.hostName,
        policyName: runtime.policy.keyName,
        localSession: runtime.localSession && localSessionProblem(request) === undefined,
      },
    }),
  },
  {
    method: 'POST',
    path: '/simhub/session',
    family: 'sim',
    authenticated: false,
    handler: async ({ runtime, request }) => {
      const problem = runtime.localSession ? localSessionProblem(request) : 'the local session is turned off for this hub';
      if (problem !== undefined) throw new ServiceError('IotHubUnauthorizedAccess', problem);
      const nowSeconds = Math.floor(runtime.hub.now() / 1000);
      const token = await serviceToken(runtime.policy, runtime.hub.hostName, nowSeconds);
      runtime.log(`service: local session opened for ${request.socket.remoteAddress ?? 'an unknown peer'}`);
      return {
        status: 200,
        body: { token, hostName: runtime.hub.hostName, expiresUtc: isoTime((nowSeconds + LOCAL_SESSION_TTL_SECONDS) * 1000) },
        headers: { 'Cache-Control': 'no-store' },
      };
    },
  },
  { method: 'GET', path: '/simhub/events', family: 'sim', handler: async (context) => openLiveFeed(context) },
];
