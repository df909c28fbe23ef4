/**
 * serverless-upload.twilio.com: creating Function and Asset Versions. Uploads are
 * multipart/form-data (Path, Visibility, and the file as Content), on a host of their own.
 */
import { invalidParameter } from './errors';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import { requireResource, textParam, type ServerlessDeps } from './serverless-common';
import { RESOURCE_NAMES } from './serverless-render';
import type { ResourceKind, Visibility } from './serverless-store';

const VISIBILITIES: readonly Visibility[] = ['public', 'protected', 'private'];

function visibilityParam(form: URLSearchParams): Visibility {
  const raw = textParam(form, 'Visibility', 16);
  const visibility = VISIBILITIES.find((v) => v === raw);
  if (!visibility) throw invalidParameter(`Visibility must be one of ${VISIBILITIES.join(', ')}, got ${raw}`);
  return visibility;
}

/** Twilio prepends the leading slash a Path lacks; a Path is at most 255 characters. */
function pathParam(form: URLSearchParams): string {
  const raw = textParam(form, 'Path', 255);
  return raw.startsWith('/') ? raw : `/${raw}`;
}

function uploadRoute(deps: ServerlessDeps, kind: ResourceKind): RouteDef {
  const { collection, param: parentParam } = RESOURCE_NAMES[kind];
  const create = (req: RequestContext): RouteResponse => {
    const resource = requireResource(deps, req, kind, parentParam);
    const path = pathParam(req.form);
    const visibility = visibilityParam(req.form);
    const file = req.files.get('Content');
    if (!file) throw invalidParameter('Missing required parameter Content (a file part) in the post body');
    const version = deps.store.createVersion(resource, { path, visibility, content: file.content, contentType: file.contentType });
    return { status: 201, body: deps.render.version(version) };
  };
  return {
    product: 'serverless-upload',
    template: `/v1/Services/{ServiceSid}/${collection}/{${parentParam}}/Versions`,
    handlers: { POST: create },
  };
}

export function serverlessUploadRoutes(deps: ServerlessDeps): RouteDef[] {
  return [uploadRoute(deps, 'function'), uploadRoute(deps, 'asset')];
}
