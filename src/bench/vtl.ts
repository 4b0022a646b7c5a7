/**
 * "The VTL layer renders at ≥ 0.8× bare velocityjs on a precompiled template": both engines compile the same template
 * once, then render it in a tight loop in the bench process (core 0 when pinned); renders/s, best of the rounds.
 * The template uses only plain VTL (#set, #foreach over a range, #if/#else, $foreach.hasNext, arithmetic, $context),
 * and the two outputs are checked equal before anything is timed.
 */
import velocity from "velocityjs";
import { vtlEngine } from "../../reference-gateway/vtl/index.ts";

export const VTL_BENCH_TEMPLATE = `#set($total = 0)
{"stage":"$context.stage","items":[#foreach($i in [1..20])#set($total = $total + $i){"n":$i,"even":#if($i % 2 == 0)true#{else}false#end}#if($foreach.hasNext),#end#end],"total":$total}`;

export interface VtlBench {
  template: string;
  referencePerSecond: number;
  velocityjsPerSecond: number;
  ratio: number;
  roundsMs: number;
  note?: string;
}

function perSecond(render: () => string, ms: number): number {
  let n = 0;
  const end = performance.now() + ms;
  let sink = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) sink += render().length;
    n += 100;
  }
  if (sink < 0) throw new Error("unreachable");
  return (n / ms) * 1000;
}

export function benchVtl(rounds = 3, roundMs = 1000): VtlBench {
  const reference = vtlEngine.compile(VTL_BENCH_TEMPLATE);
  const scope = { context: { stage: "bench" }, stageVariables: {}, input: { body: "{}", params: { path: {}, querystring: {}, header: {} } } };
  const compiled = new velocity.Compile(velocity.parse(VTL_BENCH_TEMPLATE));
  const velocityContext = { context: { stage: "bench" } };
  const a = reference(scope).trim();
  const b = compiled.render(velocityContext).trim();
  const note = a === b ? undefined : `outputs differ (reference ${a.length} chars, velocityjs ${b.length} chars); timed anyway`;
  let best = { reference: 0, velocityjs: 0 };
  for (let round = 0; round <= rounds; round++) {
    // round 0 warms both up (JIT), uncounted; the others alternate the engines.
    const r = perSecond(() => reference(scope), roundMs);
    const v = perSecond(() => compiled.render(velocityContext), roundMs);
    if (round > 0) best = { reference: Math.max(best.reference, r), velocityjs: Math.max(best.velocityjs, v) };
  }
  return { template: VTL_BENCH_TEMPLATE, referencePerSecond: Math.round(best.reference), velocityjsPerSecond: Math.round(best.velocityjs), ratio: best.reference / best.velocityjs, roundsMs: roundMs, ...(note ? { note } : {}) };
}
