/**
 * A RenderMessagesRequest's options, resolved once: enum values read (unknown ones are
 * INVALID_ARGUMENT naming the field), defaults filled from the room's render defaults and then the
 * server's, and the per-format defaults applied (the sender as OpenAI's name, as a prefix for Anthropic).
 */
import {
  IdMarkers, RenderForm, RenderFormat, SenderStyle, TokenEncoding, type RenderMessagesRequest,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { invalid } from "../domain/errors.js";
import { DEFAULT_ENCODING, type EncodingName } from "../prompt/tokens.js";
import type { RenderDefaults } from "../store/store.js";

/** The two forms a reply may take; RENDER_FORM_UNSPECIFIED is read as messages. */
export type Form = "messages" | "json";
export type Format = "openai" | "anthropic";
export type SenderStyleName = "name" | "prefix" | "none";

export interface RenderOptions {
  format: Format;
  senderStyle: SenderStyleName;
  idMarkers: boolean;
  includeThinking: boolean;
  form: Form;
  encoding: EncodingName;
  /** 0: no budget. */
  maxTokens: number;
  /** What the estimate is multiplied by: the room's calibration for Anthropic, 1 for OpenAI. */
  scale: number;
}

export function renderForm(form: RenderForm | undefined): Form {
  if (form === RenderForm.RENDER_FORM_JSON) return "json";
  if (form === undefined || form === RenderForm.RENDER_FORM_UNSPECIFIED || form === RenderForm.RENDER_FORM_MESSAGES) {
    return "messages";
  }
  throw invalid("form", `unknown render form ${form}`);
}

function renderFormat(format: RenderFormat | undefined): Format {
  if (!format || format === RenderFormat.RENDER_FORMAT_OPENAI_CHAT) return "openai";
  if (format === RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES) return "anthropic";
  throw invalid("format", `unknown render format ${format}`);
}

function senderStyle(style: SenderStyle | undefined, format: Format): SenderStyleName {
  switch (style ?? SenderStyle.SENDER_STYLE_UNSPECIFIED) {
    case SenderStyle.SENDER_STYLE_UNSPECIFIED:
      return format === "openai" ? "name" : "prefix";
    case SenderStyle.SENDER_STYLE_NAME:
      if (format === "anthropic") {
        throw invalid("sender_style", "SENDER_STYLE_NAME is for RENDER_FORMAT_OPENAI_CHAT: Anthropic messages have no name; " +
          "use SENDER_STYLE_PREFIX or SENDER_STYLE_NONE");
      }
      return "name";
    case SenderStyle.SENDER_STYLE_PREFIX:
      return "prefix";
    case SenderStyle.SENDER_STYLE_NONE:
      return "none";
    default:
      throw invalid("sender_style", `unknown sender style ${style}`);
  }
}

function idMarkers(markers: IdMarkers | undefined): boolean {
  if (!markers || markers === IdMarkers.ID_MARKERS_ON) return true;
  if (markers === IdMarkers.ID_MARKERS_OFF) return false;
  throw invalid("id_markers", `unknown id markers value ${markers}`);
}

function encoding(enc: TokenEncoding | undefined, room: RenderDefaults | undefined): EncodingName {
  if (enc === TokenEncoding.TOKEN_ENCODING_O200K_BASE) return "o200k_base";
  if (enc === TokenEncoding.TOKEN_ENCODING_CL100K_BASE) return "cl100k_base";
  if (enc === undefined || enc === TokenEncoding.TOKEN_ENCODING_UNSPECIFIED) return room?.encoding || DEFAULT_ENCODING;
  throw invalid("encoding", `unknown token encoding ${enc}`);
}

export function encodingValue(enc: EncodingName): TokenEncoding {
  return enc === "cl100k_base" ? TokenEncoding.TOKEN_ENCODING_CL100K_BASE : TokenEncoding.TOKEN_ENCODING_O200K_BASE;
}

export function renderOptions(req: Partial<RenderMessagesRequest>, room?: RenderDefaults): RenderOptions {
  const format = renderFormat(req.format);
  const calibration = room?.calibration;
  return {
    format,
    senderStyle: senderStyle(req.senderStyle, format),
    idMarkers: idMarkers(req.idMarkers),
    includeThinking: req.includeThinking === true,
    form: renderForm(req.form),
    encoding: encoding(req.encoding, room),
    maxTokens: req.maxTokens ?? 0,
    scale: format === "anthropic" && calibration && calibration > 0 && Number.isFinite(calibration) ? calibration : 1,
  };
}

/** Every option that changes the rendered history, as a cache key (calibration and budget apply later). */
export function shapeKey(o: RenderOptions): string {
  return `${o.format}:${o.senderStyle}:${o.idMarkers ? "ids" : "noids"}:${o.includeThinking}:${o.encoding}`;
}
