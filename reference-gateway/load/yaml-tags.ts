/** YAML custom tags for CloudFormation short forms (`!Ref`, `!Sub`, …), converted to the JSON long form. */
import { Pair, Scalar, YAMLMap, type Tags } from "yaml";

const FUNCTIONS: Record<string, string> = {
  "!Ref": "Ref",
  "!Sub": "Fn::Sub",
  "!GetAtt": "Fn::GetAtt",
  "!Join": "Fn::Join",
  "!If": "Fn::If",
  "!Select": "Fn::Select",
  "!Split": "Fn::Split",
  "!Equals": "Fn::Equals",
  "!Not": "Fn::Not",
  "!And": "Fn::And",
  "!Or": "Fn::Or",
  "!Condition": "Condition",
  "!FindInMap": "Fn::FindInMap",
  "!Base64": "Fn::Base64",
  "!GetAZs": "Fn::GetAZs",
  "!ImportValue": "Fn::ImportValue",
  "!Cidr": "Fn::Cidr",
  "!Transform": "Fn::Transform",
};

function wrap(fn: string, node: unknown): YAMLMap {
  const map = new YAMLMap();
  map.items.push(new Pair(new Scalar(fn), node));
  return map;
}

function scalarForm(fn: string, value: string): unknown {
  if (fn === "Fn::GetAtt") {
    // `!GetAtt Res.Attr` (the attribute itself may contain dots: `Stack.Outputs.X`).
    const dot = value.indexOf(".");
    return { [fn]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [fn]: value };
}

export const cloudFormationTags: Tags = Object.entries(FUNCTIONS).flatMap(([tag, fn]) => [
  { tag, resolve: (value: string) => scalarForm(fn, value) },
  { tag, collection: "seq" as const, resolve: (seq: unknown) => wrap(fn, seq) },
  { tag, collection: "map" as const, resolve: (map: unknown) => wrap(fn, map) },
]) as Tags;
