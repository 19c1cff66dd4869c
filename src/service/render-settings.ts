/**
 * The handlers of SetRoomRenderDefaults and ReportUsage: how a room renders when a request does not
 * say, and the room's token calibration for targets without an exact offline tokenizer. Validate, call
 * the store, shape the reply, as in room-history.ts.
 */
import type * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { RenderFormat, TokenEncoding } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { structSize } from "../wire/struct-size.js";
import { DomainError, failedPrecondition, invalid } from "../domain/errors.js";
import type { PromptTemplates } from "../prompt/templates.js";
import type { HistoryStore, RenderEncodingName, RoomSnapshot } from "../store/store.js";
import { metadataTemplateVar } from "../wire/metadata.js";
import * as check from "../wire/validate.js";
import { recallEstimate, type UsageFormat } from "./usage-memory.js";
import { writeOptions, type DurabilityDefaults } from "./write-options.js";

/** What the two handlers need from the server. */
export interface RenderSettingsDeps {
  store: HistoryStore;
  templates: PromptTemplates;
  limits: check.Limits;
  durability: DurabilityDefaults;
}

const ENCODING_NAMES: Partial<Record<TokenEncoding, RenderEncodingName>> = {
  [TokenEncoding.TOKEN_ENCODING_UNSPECIFIED]: "",
  [TokenEncoding.TOKEN_ENCODING_O200K_BASE]: "o200k_base",
  [TokenEncoding.TOKEN_ENCODING_CL100K_BASE]: "cl100k_base",
};

/** A request's TokenEncoding as the store names it; an unknown value is INVALID_ARGUMENT. */
export function encodingName(encoding: TokenEncoding, field = "encoding"): RenderEncodingName {
  const name = ENCODING_NAMES[encoding];
  if (name === undefined) throw invalid(field, `unknown token encoding ${encoding}`);
  return name;
}

/** A stored encoding name on the wire. */
export function encodingEnum(name: RenderEncodingName): TokenEncoding {
  if (name === "o200k_base") return TokenEncoding.TOKEN_ENCODING_O200K_BASE;
  if (name === "cl100k_base") return TokenEncoding.TOKEN_ENCODING_CL100K_BASE;
  return TokenEncoding.TOKEN_ENCODING_UNSPECIFIED;
}

export async function setRoomRenderDefaults(
  deps: RenderSettingsDeps, req: pb.SetRoomRenderDefaultsRequest,
): Promise<pb.SetRoomRenderDefaultsResponse> {
  const roomId = check.checkRoomId(req.roomId);
  // ts-proto hands google.protobuf.Struct over as a plain object already.
  const context = req.roomContext;
  if (context) check.checkContextSize(structSize(context), deps.limits);
  const encoding = encodingName(req.encoding);
  if (req.template) checkTemplate(deps.templates, req.template, { ...context, room_id: roomId });
  const r = await deps.store.setRenderDefaults(roomId, { template: req.template, context, encoding },
    writeOptions(req, deps.durability));
  return { version: r.version };
}

/**
 * Refuses a template name that no render could load: one outside the name rule, or no file of that
 * name. A render with the stored context is the check (the only public way in); any other failure
 * may depend on the variables a request adds, so it is left for RenderMessages to report.
 */
function checkTemplate(templates: PromptTemplates, name: string, context: Record<string, unknown>): void {
  try {
    templates.render(name, context);
  } catch (err) {
    if (!(err instanceof DomainError) || err.code !== "INVALID_ARGUMENT") return;
    if (err.message.includes("is not a template name") || err.message.startsWith(`template: ${name}: template not found`)) {
      throw err;
    }
  }
}

/**
 * Calibration is for Anthropic, the target without an exact offline tokenizer. An OpenAI report is
 * checked (fields, the room exists) and answered with calibration 1: its estimates are exact counts
 * with the model's encoding, so there is nothing to correct and nothing is stored.
 */
export async function reportUsage(deps: RenderSettingsDeps, req: pb.ReportUsageRequest): Promise<pb.ReportUsageResponse> {
  const roomId = check.checkRoomId(req.roomId);
  if (!req.version) throw invalid("version", "is required: the RenderMessagesResponse.version of the render reported");
  if (!req.inputTokens) throw invalid("input_tokens", "is required: the provider's count of the render's input tokens");
  const format = usageFormat(req.format);
  if (format === "openai") {
    await deps.store.reportUsage(roomId);
    return { calibration: 1, samples: 0 };
  }
  const estimatedTokens = req.estimatedTokens || recallEstimate(roomId, req.version, format);
  if (estimatedTokens === undefined) {
    await deps.store.reportUsage(roomId); // NOT_FOUND first, when the room does not exist
    throw failedPrecondition("estimated_tokens", `this server has no estimate of room ${roomId} at version ` +
      `${req.version} (another replica rendered it, or it was forgotten): pass RenderMessagesResponse.estimated_tokens`);
  }
  return deps.store.reportUsage(roomId, { inputTokens: req.inputTokens, estimatedTokens });
}

function usageFormat(format: RenderFormat): UsageFormat {
  switch (format) {
    case RenderFormat.RENDER_FORMAT_UNSPECIFIED:
    case RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES:
      return "anthropic";
    case RenderFormat.RENDER_FORMAT_OPENAI_CHAT:
      return "openai";
    default:
      throw invalid("format", `unknown render format ${format}`);
  }
}

/**
 * The variables a render's template sees: the room's metadata as `room` (src/wire/metadata.ts), under
 * the stored room_context, under the request's room_context (a `room` key from either wins), and
 * room_id over all.
 */
export function templateContext(snap: RoomSnapshot, requestContext: Record<string, unknown> | undefined, roomId: string): Record<string, unknown> {
  return { room: metadataTemplateVar(snap.metadata), ...snap.renderDefaults?.context, ...requestContext, room_id: roomId };
}
