/**
 * A room's render defaults and calibration as read-room-5.lua returns them (meta hash fields tpl, ctx,
 * enc, cui, cue, cun), and what set-render-defaults-5.lua and report-usage-5.lua are given.
 */
import type { Logger } from "pino";
import { calibrationOf } from "../calibration.js";
import type { RenderDefaults, RenderEncodingName, RenderSettings } from "../store.js";
import type { ReadRoomReply, SetRenderDefaultsArgs } from "./script-calls.js";

const ENCODINGS: ReadonlySet<string> = new Set<RenderEncodingName>(["", "o200k_base", "cl100k_base"]);

/** The script arguments of a SetRoomRenderDefaults. */
export function renderDefaultsArgs(settings: RenderSettings): SetRenderDefaultsArgs {
  return {
    template: settings.template,
    contextJson: settings.context === undefined ? "" : JSON.stringify(settings.context),
    encoding: settings.encoding,
  };
}

/**
 * The snapshot's render defaults. A field another writer left unreadable (not JSON, an unknown
 * encoding) reads as the server's default and is logged, rather than failing every read of the room.
 */
export function renderDefaultsOf(reply: ReadRoomReply, roomId: string, logger: Logger): RenderDefaults {
  let context: Record<string, unknown> | undefined;
  if (reply.contextJson !== "") {
    try {
      const value: unknown = JSON.parse(reply.contextJson);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) context = value as Record<string, unknown>;
    } catch {
      // reported below
    }
    if (!context) logger.warn({ roomId }, "ignored a stored room_context that is not a JSON object");
  }
  let encoding: RenderEncodingName = "";
  if (ENCODINGS.has(reply.encoding)) encoding = reply.encoding as RenderEncodingName;
  else logger.warn({ roomId, encoding: reply.encoding }, "ignored an unknown stored token encoding");
  const sumInput = Number(reply.sumInput || 0);
  const sumEstimate = Number(reply.sumEstimate || 0);
  return {
    template: reply.template,
    context,
    encoding,
    calibration: calibrationOf(sumInput, sumEstimate),
    samples: Number(reply.samples || 0),
  };
}

/** True when two reads of an unchanged version differ in what ReportUsage changes (no version bump). */
export function sameCalibration(a: RenderDefaults | undefined, b: RenderDefaults): boolean {
  return a !== undefined && a.calibration === b.calibration && a.samples === b.samples;
}
