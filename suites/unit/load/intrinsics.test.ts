import { describe, expect, test } from "vitest";
import { HANDLER, expectLoadError, load, samWithEnv } from "./helpers.ts";

const SRC = { "src/app.mjs": HANDLER };

const HEAD = `Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Names:
    Type: CommaDelimitedList
    Default: "a,b,c"
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [x, x]]
  Either: !Or [!Condition IsProd, !Equals [1, 2]]
Mappings:
  Sizes:
    dev: { mem: small }
    prod: { mem: large }`;

const YAML_VARS = `          REGION: !Ref AWS::Region
          ACCOUNT: !Ref AWS::AccountId
          STACK: !Ref AWS::StackName
          STACKID: !Ref AWS::StackId
          PARTITION: !Ref AWS::Partition
          SUFFIX: !Ref AWS::URLSuffix
          ENV: !Ref Env
          FNREF: !Ref Other
          SUB: !Sub "\${Env}-\${AWS::Region}-\${!Literal}"
          SUBLIST: !Sub ["\${A}/\${Other.Arn}", { A: !Ref Env }]
          ARN: !GetAtt Other.Arn
          ARNLIST: !GetAtt [Other, Arn]
          JOIN: !Join [":", [a, !Ref Env, c]]
          IF: !If [IsProd, yes, no]
          IFDEV: !If [IsDev, dev-branch, prod-branch]
          BOTH: !If [Both, both, not-both]
          EITHER: !If [Either, either, neither]
          SELECT: !Select [1, !Ref Names]
          SPLIT: !Select [2, !Split ["-", "x-y-z"]]
          MAP: !FindInMap [Sizes, !Ref Env, mem]
          B64: !Base64 hello
          AZ: !Select [0, !GetAZs ""]
          GONE: !If [IsProd, kept, !Ref AWS::NoValue]`;

const OTHER = `
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      FunctionName: other-fn`;

const EXPECTED = {
  REGION: "us-east-1",
  ACCOUNT: "123456789012",
  STACK: "gateproof",
  PARTITION: "aws",
  SUFFIX: "amazonaws.com",
  ENV: "dev",
  FNREF: "other-fn",
  SUB: "dev-us-east-1-${Literal}",
  SUBLIST: "dev/arn:aws:lambda:us-east-1:123456789012:function:other-fn",
  ARN: "arn:aws:lambda:us-east-1:123456789012:function:other-fn",
  ARNLIST: "arn:aws:lambda:us-east-1:123456789012:function:other-fn",
  JOIN: "a:dev:c",
  IF: "no",
  IFDEV: "dev-branch",
  BOTH: "both",
  EITHER: "neither",
  SELECT: "b",
  SPLIT: "z",
  MAP: "small",
  B64: "aGVsbG8=",
  AZ: "us-east-1a",
};

describe("intrinsics, YAML short forms", () => {
  test("every supported function resolves", async () => {
    const { model } = await load(samWithEnv(YAML_VARS, HEAD) + OTHER, SRC);
    const env = model.functions["Fn"]!.environment;
    expect(env).toMatchObject(EXPECTED);
    expect(env["STACKID"]).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/gateproof\/[0-9a-f-]{36}$/);
    expect(env).not.toHaveProperty("GONE");
  });

  test("parameter overrides and options change the results", async () => {
    const { model } = await load(samWithEnv(YAML_VARS, HEAD) + OTHER, SRC, {
      parameterOverrides: { Env: "prod" },
      region: "eu-west-1",
      accountId: "999999999999",
      stackName: "shop",
    });
    const env = model.functions["Fn"]!.environment;
    expect(env).toMatchObject({ ENV: "prod", IF: "yes", IFDEV: "prod-branch", BOTH: "not-both", EITHER: "either", MAP: "large", GONE: "kept", REGION: "eu-west-1", STACK: "shop" });
    expect(env["ARN"]).toBe("arn:aws:lambda:eu-west-1:999999999999:function:other-fn");
  });

  test("resource Condition false drops the resource", async () => {
    const tpl = samWithEnv("          A: a", HEAD) + OTHER.replace("Type: AWS::Serverless::Function", "Type: AWS::Serverless::Function\n    Condition: IsProd");
    const { model } = await load(tpl, SRC);
    expect(Object.keys(model.functions)).toEqual(["Fn"]);
  });
});

describe("intrinsics, JSON long forms", () => {
  test("every supported function resolves", async () => {
    const tpl = {
      AWSTemplateFormatVersion: "2010-09-09",
      Transform: ["AWS::Serverless-2016-10-31"],
      Parameters: { Env: { Type: "String", Default: "dev" }, Names: { Type: "CommaDelimitedList", Default: "a,b,c" } },
      Conditions: {
        IsProd: { "Fn::Equals": [{ Ref: "Env" }, "prod"] },
        IsDev: { "Fn::Not": [{ Condition: "IsProd" }] },
        Both: { "Fn::And": [{ Condition: "IsDev" }, { "Fn::Equals": ["x", "x"] }] },
        Either: { "Fn::Or": [{ Condition: "IsProd" }, { "Fn::Equals": [1, 2] }] },
      },
      Mappings: { Sizes: { dev: { mem: "small" }, prod: { mem: "large" } } },
      Resources: {
        Fn: {
          Type: "AWS::Serverless::Function",
          Properties: {
            Runtime: "nodejs20.x",
            Handler: "app.handler",
            CodeUri: "src",
            Environment: {
              Variables: {
                REGION: { Ref: "AWS::Region" },
                ACCOUNT: { Ref: "AWS::AccountId" },
                STACK: { Ref: "AWS::StackName" },
                PARTITION: { Ref: "AWS::Partition" },
                SUFFIX: { Ref: "AWS::URLSuffix" },
                ENV: { Ref: "Env" },
                FNREF: { Ref: "Other" },
                SUB: { "Fn::Sub": "${Env}-${AWS::Region}-${!Literal}" },
                SUBLIST: { "Fn::Sub": ["${A}/${Other.Arn}", { A: { Ref: "Env" } }] },
                ARN: { "Fn::GetAtt": "Other.Arn" },
                ARNLIST: { "Fn::GetAtt": ["Other", "Arn"] },
                JOIN: { "Fn::Join": [":", ["a", { Ref: "Env" }, "c"]] },
                IF: { "Fn::If": ["IsProd", "yes", "no"] },
                IFDEV: { "Fn::If": ["IsDev", "dev-branch", "prod-branch"] },
                BOTH: { "Fn::If": ["Both", "both", "not-both"] },
                EITHER: { "Fn::If": ["Either", "either", "neither"] },
                SELECT: { "Fn::Select": ["1", { Ref: "Names" }] },
                SPLIT: { "Fn::Select": [2, { "Fn::Split": ["-", "x-y-z"] }] },
                MAP: { "Fn::FindInMap": ["Sizes", { Ref: "Env" }, "mem"] },
                B64: { "Fn::Base64": "hello" },
                AZ: { "Fn::Select": [0, { "Fn::GetAZs": "" }] },
                GONE: { "Fn::If": ["IsProd", "kept", { Ref: "AWS::NoValue" }] },
              },
            },
          },
        },
        Other: { Type: "AWS::Serverless::Function", Properties: { Runtime: "nodejs20.x", Handler: "app.handler", CodeUri: "src", FunctionName: "other-fn" } },
      },
    };
    const { model } = await load(JSON.stringify(tpl, null, 2), SRC, {}, "template.json");
    expect(model.functions["Fn"]!.environment).toMatchObject(EXPECTED);
    expect(model.functions["Fn"]!.environment).not.toHaveProperty("GONE");
  });

  test("AWS::NoValue drops list items", async () => {
    const { model } = await load(samWithEnv(`          L: !Join [",", [a, !Ref AWS::NoValue, b]]`), SRC);
    expect(model.functions["Fn"]!.environment["L"]).toBe("a,b");
  });
});

describe("parameters", () => {
  const P = `Parameters:
  Needed:
    Type: String`;
  test("a parameter without Default or override is an error naming it", async () => {
    await expectLoadError(samWithEnv("          A: !Ref Needed", P), "$.Parameters.Needed", 'parameter "Needed" has no Default and no override was given', SRC);
  });
  test("an override supplies it", async () => {
    const { model } = await load(samWithEnv("          A: !Ref Needed", P), SRC, { parameterOverrides: { Needed: "given" } });
    expect(model.functions["Fn"]!.environment["A"]).toBe("given");
  });
  test("an unknown override is an error", async () => {
    await expectLoadError(samWithEnv("          A: !Ref Needed", P), "$.Parameters", 'parameter override "Nope" does not match any parameter in the template', SRC, { parameterOverrides: { Needed: "x", Nope: "y" } });
  });
  test("AllowedValues are enforced", async () => {
    await expectLoadError(samWithEnv("          A: !Ref Env", HEAD), "$.Parameters.Env", 'parameter "Env" value "qa" is not one of AllowedValues ["dev","prod"]', SRC, { parameterOverrides: { Env: "qa" } });
  });
});

describe("intrinsic errors name the JSON path", () => {
  const at = "$.Resources.Fn.Properties.Environment.Variables.A";
  test("Ref to an unknown name", async () => {
    await expectLoadError(samWithEnv("          A: !Ref Missing"), `${at}.Ref`, 'Ref to unknown parameter or resource "Missing"', SRC);
  });
  test("unknown GetAtt attribute", async () => {
    await expectLoadError(samWithEnv("          A: !GetAtt Fn.Nope"), `${at}['Fn::GetAtt']`, 'Fn::GetAtt Fn.Nope is not supported (AWS::Serverless::Function attribute "Nope" is unknown to gateproof)', SRC);
  });
  test("unsupported function", async () => {
    await expectLoadError(samWithEnv("          A: !ImportValue shared"), `${at}['Fn::ImportValue']`, "Fn::ImportValue is not supported (gateproof loads a single stack)", SRC);
    await expectLoadError(samWithEnv('          A: { "Fn::Length": [1] }'), `${at}['Fn::Length']`, "Fn::Length is not supported", SRC);
  });
  test("FindInMap with a missing key", async () => {
    await expectLoadError(samWithEnv("          A: !FindInMap [Sizes, qa, mem]", HEAD), `${at}['Fn::FindInMap']`, 'Fn::FindInMap: mapping "Sizes" has no key "qa"', SRC);
  });
  test("Select out of range", async () => {
    await expectLoadError(samWithEnv("          A: !Select [5, [a, b]]"), `${at}['Fn::Select'][0]`, "Fn::Select index 5 is out of range for a list of 2", SRC);
  });
  test("unknown condition", async () => {
    await expectLoadError(samWithEnv("          A: !If [Nope, a, b]"), `${at}['Fn::If'][0]`, 'unknown condition "Nope"', SRC);
  });
  test("Sub with an unknown variable", async () => {
    await expectLoadError(samWithEnv('          A: !Sub "x-${Nope}"'), `${at}['Fn::Sub']`, 'Ref to unknown parameter or resource "Nope"', SRC);
  });
  test("unsupported Transform", async () => {
    await expectLoadError("Transform: AWS::LanguageExtensions\nResources: {}\n", "$.Transform", 'Transform "AWS::LanguageExtensions" is not supported yet (only AWS::Serverless-2016-10-31)');
  });
  test("not a definition", async () => {
    await expectLoadError("hello: world\n", "$", "not a SAM, CloudFormation or OpenAPI document (no Transform, Resources, openapi or swagger key)");
  });
});
