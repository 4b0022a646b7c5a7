import { describe, expect, it } from "vitest";
import { render, type Row } from "./helpers.ts";

const things = { body: '{"things":{"1":{},"2":{},"3":{}}}', path: { id: "abc" } };

// Sources, cited per row:
//  MTR  = api-gateway-mapping-template-reference.md (spec §1.1–§1.3)
//  OVR  = apigateway-override-request-response-parameters.md (spec §1.5)
//  LS   = LocalStack localstack-core/.../apigateway/next_gen/execute_api/template_mapping.py and tests/unit/services/apigateway/test_template_mapping.py
//  V17  = Apache Velocity 1.7 user guide / VTL reference (API Gateway runs Velocity; models-mappings.md)
//  JAVA = the Java runtime's documented toString/equals behaviour (LinkedHashMap, ArrayList, Double, Boolean)
//  OBS  = community observation of real API Gateway output
const rows: Row[] = [
  // ---- the doc examples -----------------------------------------------------------------------------------------
  {
    source: "MTR $input example without the escapeJavaScript wrapper (the documented output)",
    template: `{"id":"$input.params('id')","count":"$input.path('$.things').size()","things":$input.json('$.things')}`,
    input: things,
    expected: '{"id":"abc","count":"3","things":{"1":{},"2":{},"3":{}}}',
  },
  {
    // The doc shows the output unescaped, but escapeJavaScript escapes `"` (the doc's own JSON-in-a-string idiom,
    // LS test_apply_template: $util.escapeJavaScript($input.json('$.message')) → \"foobar\"). Kept as an open doubt.
    source: "MTR $input example as written: quotes inside things come out escaped",
    template: `{"id":"$input.params('id')","count":"$input.path('$.things').size()","things":$util.escapeJavaScript($input.json('$.things'))}`,
    input: things,
    expected: '{"id":"abc","count":"3","things":{\\"1\\":{},\\"2\\":{},\\"3\\":{}}}',
  },
  {
    source: "MTR $util.parseJson example → 1",
    template: "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n$errorMessageObj.key2.arr[0]",
    input: { body: '{"errorMessage":"{\\"key1\\":\\"var1\\",\\"key2\\":{\\"arr\\":[1,2,3]}}"}' },
    expected: "1",
  },
  {
    source: "MTR: $input.path('$.pets').count() and .size() → 3",
    template: "$input.path('$.pets').count() $input.path('$.pets').size()",
    input: { body: '{"pets":[{"id":1},{"id":2},{"id":3}]}' },
    expected: "3 3",
  },
  {
    source: "MTR $input.params() example: iterate keySet/get over path, querystring, header",
    template:
      "#set($allParams = $input.params())\n#foreach($type in $allParams.keySet())#set($params = $allParams.get($type))$type:{#foreach($paramName in $params.keySet())$paramName=$util.escapeJavaScript($params.get($paramName))#if($foreach.hasNext),#end#end}#if($foreach.hasNext);#end#end",
    input: { path: { id: "7" }, querystring: { q: "a b", r: "x" }, header: { Accept: "*/*" } },
    expected: "path:{id=7};querystring:{q=a b,r=x};header:{Accept=*\\/*}",
  },
  {
    source: "[OBS] yyolk/api-gateway-payload-parse README: $input.params() prints {path={…}, querystring={…}, header={}}",
    template: '"$input.params()" "$input.params().header" "$input.params().header.keySet()" "$input.params().header.get(\'Content-Type\')"',
    input: { path: { path: "users" }, querystring: { fields: "id" } },
    expected: '"{path={path=users}, querystring={fields=id}, header={}}" "{}" "[]" ""',
  },
  // ---- $input ---------------------------------------------------------------------------------------------------
  { source: "MTR $input.body: the raw payload", template: "$input.body", input: { body: ' {"a": 1} ' }, expected: ' {"a": 1} ' },
  {
    source: "Jayway JsonSmartJsonProvider (json-smart MODE_PERMISSIVE): a body that is not JSON is its trimmed text; [OBS] stackoverflow.com/questions/32057053 form template",
    template: "$input.path('$').split('&').size() $input.json('$')",
    input: { body: " a=1&b=2\n" },
    expected: '2 "a=1&b=2"',
  },
  { source: "LS VelocityInput.body: an empty payload reads as {}", template: "$input.body|$input.json('$')", input: { body: "" }, expected: "{}|{}" },
  {
    source: "MTR $input.params(x): path, then query string, then header",
    template: "$input.params('id') $input.params('q') $input.params('h')",
    input: { path: { id: "p" }, querystring: { id: "q", q: "qq" }, header: { id: "h", h: "hh" } },
    expected: "p qq hh",
  },
  {
    source: "MTR $input.params(x): header names are case-insensitive (inputParam); missing → empty (LS VelocityInput.params)",
    template: "[$input.params('content-type')][$input.params('nope')][$input.params('nope').length()]",
    input: { header: { "Content-Type": "text/plain" } },
    expected: "[text/plain][][0]",
  },
  {
    source: "MTR $input.json: compact JSON of the JSONPath result",
    template: "$input.json('$') $input.json('$.a') $input.json('$.b[1]') $input.json('$.s')",
    input: { body: '{ "a" : { "x" : [ 1, 2 ] }, "b": [true, null], "s": "q\\"uote" }' },
    expected: '{"a":{"x":[1,2]},"b":[true,null],"s":"q\\"uote"} {"x":[1,2]} null "q\\"uote"',
  },
  {
    source: "LS VTLJsonDict/VTLJsonList: $input.path objects print as Java maps, lists inside as JSON",
    template: "$input.path('$')",
    input: { body: '{"a": 1, "b": [{"c": 5}]}' },
    expected: '{a=1, b=[{"c":5}]}',
  },
  {
    source: "[OBS] toqoz/api-gateway-mapping-template#5: a path that leads nowhere prints as empty",
    template: "[$input.path('$.missing')][$input.path('$.a.b.c')][$input.json('$.missing')]",
    input: { body: '{"a":1}' },
    expected: "[][][]",
  },
  {
    source: "Jayway JSONPath: bracket names, negative index, wildcard, deep scan, slices (indefinite → JSON list)",
    template: "$input.json(\"$['a-b']\") $input.path('$.l[-1]') $input.json('$.l[*].n') $input.json('$..n') $input.json('$.l[0:2]') $input.json('$.l[0,2].n')",
    input: { body: '{"a-b":"x","l":[{"n":1},{"n":2},{"n":3,"m":{"n":4}}]}' },
    expected: '"x" {n=3, m={n=4}} [1,2,3] [1,2,3,4] [{"n":1},{"n":2}] [1,3]',
  },
  {
    // The mapping-template docs name JSONPath (models-mappings.md links goessner.net/articles/JsonPath); the rows are the
    // filter examples of that article and of Jayway's README ("Path Examples", "Filter Operators") on their store document.
    source: "JSONPath filters (Goessner, Jayway README): existence, comparison with a literal and with the root, && and =~ /regex/i",
    template:
      "$input.json('$..book[?(@.isbn)].title') $input.json('$.store.book[?(@.price < 10)].price') $input.json('$..book[?(@.price > $.expensive)].author') $input.json('$.store.book[?(@.category == \"fiction\" && @.price < 20)].title') $input.json(\"$..book[?(@.author =~ /.*REES/i)].price\")",
    input: {
      body: JSON.stringify({
        store: {
          book: [
            { category: "reference", author: "Nigel Rees", title: "Sayings of the Century", price: 8.95 },
            { category: "fiction", author: "Evelyn Waugh", title: "Sword of Honour", price: 12.99 },
            { category: "fiction", author: "Herman Melville", title: "Moby Dick", isbn: "0-553-21311-3", price: 8.99 },
            { category: "fiction", author: "J. R. R. Tolkien", title: "The Lord of the Rings", isbn: "0-395-19395-8", price: 22.99 },
          ],
        },
        expensive: 10,
      }),
    },
    expected:
      '["Moby Dick","The Lord of the Rings"] [8.95,8.99] ["Evelyn Waugh","J. R. R. Tolkien"] ["Sword of Honour","Moby Dick"] [8.95]',
  },
  {
    source: "Jayway: a path without $ is read from the root",
    template: "$input.path('a.b')",
    input: { body: '{"a":{"b":"deep"}}' },
    expected: "deep",
  },
  {
    source: "json-smart: numbers with a fraction or exponent are Doubles (Double.toString); integers stay integers",
    template: "$input.path('$.a') $input.path('$.b') $input.path('$.c') $input.path('$.d') $input.json('$')",
    input: { body: '{"a":1.5,"b":1e10,"c":1.0,"d":12345678901234567890}' },
    expected: "1.5 1.0E10 1.0 12345678901234567890 {\"a\":1.5,\"b\":1.0E10,\"c\":1.0,\"d\":12345678901234567890}",
  },
  {
    source: "$input.path navigation: Java Map/List methods on the result",
    template:
      "#set($p = $input.path('$'))$p.keySet() $p.get('l').get(1) $p.l.isEmpty() $p.l.contains(2) $p.m.containsKey('k') $p.m.entrySet().get(0).key=$p.m.entrySet().get(0).value $p.l.length()",
    input: { body: '{"l":[1,2,3],"m":{"k":"v"}}' },
    expected: "[l, m] 2 false true true k=v 3",
  },
  // ---- $util ----------------------------------------------------------------------------------------------------
  {
    source: "MTR: escapeJavaScript turns ' into \\' and the doc's .replaceAll(\"\\\\'\",\"'\") undoes it",
    template: `$util.escapeJavaScript($input.params('s'))|$util.escapeJavaScript($input.params('s')).replaceAll("\\\\'","'")`,
    input: { querystring: { s: `it's "x"` } },
    expected: `it\\'s \\"x\\"|it's \\"x\\"`,
  },
  {
    source: "Commons Lang StringEscapeUtils.escapeJavaScript: \\ / controls and non-ASCII as \\uXXXX",
    template: "$util.escapeJavaScript($input.params('s'))",
    input: { querystring: { s: "a\\b/c\n\t\u0001é€" } },
    expected: "a\\\\b\\/c\\n\\t\\u0001\\u00E9\\u20AC",
  },
  {
    source: "LS test_render_template_values: urlEncode('x=a+b') → x%3Da%2Bb; urlDecode('x=a+b') → 'x=a b'",
    template: "$util.urlEncode('x=a+b') $util.urlDecode('x=a+b')",
    expected: "x%3Da%2Bb x=a b",
  },
  {
    source: "java.net.URLEncoder (application/x-www-form-urlencoded, MTR): space → +, *-_. kept, UTF-8 %XX upper-case",
    template: "$util.urlEncode('a b*-_.~é/?') $util.urlDecode('%C3%A9+%2a')",
    expected: "a+b*-_.%7E%C3%A9%2F%3F é *",
  },
  { source: "MTR base64Encode/base64Decode (UTF-8)", template: "$util.base64Encode('héllo') $util.base64Decode('aMOpbGxv')", expected: "aMOpbGxv héllo" },
  {
    source: "LS test_parse_json: arrays, strings, numbers, booleans",
    template: "$util.parseJson('[1,2,3]')[0] $util.parseJson('\"string\"') $util.parseJson('1') $util.parseJson('true') $util.parseJson('[]').size()",
    expected: "1 string 1 true 0",
  },
  { source: "re:Post: unknown $util functions give nothing", template: "[$util.toJson('x')][$util.nope]", expected: "[][]" },
  // ---- $context / $stageVariables -------------------------------------------------------------------------------
  {
    source: "MTR §1.3: the three stage-variable syntaxes",
    template: "$stageVariables.greeting $stageVariables['greeting'] ${stageVariables['greeting']} ${stageVariables.url}",
    expected: "hello hello hello example.com",
  },
  {
    source: "MTR §1.4 + LS templating.py (null renders as empty in API Gateway)",
    template: "$context.stage|$context.identity.sourceIp|$context.identity.apiKey|$context.nope.deeper|${context.requestId}",
    expected: "dev|192.0.2.1|||rid-1",
  },
  // ---- Java rendering -------------------------------------------------------------------------------------------
  {
    source: "JAVA: LinkedHashMap.toString {k=v, …}, ArrayList.toString [a, b], Boolean, Integer",
    template: '#set($m = {"a": 1, "b": [1, "x", true], "c": {"d": false}})$m $m.b $m.c.d',
    expected: "{a=1, b=[1, x, true], c={d=false}} [1, x, true] false",
  },
  {
    source: "JAVA Double.toString / V17 MathUtils: integer division truncates, a double makes a double, /0 is null",
    template: "#set($a = 7 / 2)#set($b = 7.0 / 2)#set($c = 2 * 3)#set($d = 10 % 4)#set($e = 1 / 0)$a $b $c $d [$e] #set($f = 0.1 + 0.2)$f #set($g = 3 - 5)$g",
    expected: "3 3.5 6 2 [] 0.30000000000000004 -2",
  },
  {
    source: "V17: null and undefined references print as nothing in API Gateway ($foo and $!foo alike: LS templating.py, [OBS] serverless-offline#1362)",
    template: "[$foo][$!foo][${foo}][$foo.bar().baz]",
    expected: "[][][][]",
  },
  // ---- directives -----------------------------------------------------------------------------------------------
  {
    source: "V17 #if: null and false are false; empty string, 0 and empty list are true",
    template: '#if($nothing)A#end#if(false)B#end#if("")C#end#if(0)D#end#if([])E#end#if(!$nothing)F#end',
    expected: "CDEF",
  },
  {
    source: "V17 ==: numbers by value, null only equals null, different kinds compare as text",
    template: '#set($n = 1)#set($s = "1")#if($n == 1.0)a#end#if($n == $s)b#end#if($nothing == "")c#end#if($nothing == $other)d#end#if("x" != "y")e#end',
    expected: "abde",
  },
  {
    source: "V17 #foreach: $foreach.index/count/hasNext/first/last, $velocityCount from 1, maps iterate their values",
    template: '#foreach($x in ["a", "b"])$foreach.index$foreach.count$foreach.hasNext$foreach.first$foreach.last$velocityCount$x #end|#set($m = {"k1": "v1", "k2": "v2"})#foreach($v in $m)$v#end',
    expected: "01truetruefalse1a 12falsefalsetrue2b |v1v2",
  },
  { source: "V17 #break ends the loop", template: "#foreach($i in [1..5])#if($i == 3)#break#end$i#end", expected: "12" },
  { source: "V17 range literals, descending too", template: "#foreach($i in [3..1])$i#end #set($n = 2)#foreach($i in [0..$n])$i#end", expected: "321 012" },
  {
    source: "V17 #set with a null right-hand side leaves the variable unchanged",
    template: '#set($a = "kept")#set($a = $input.path(\'$.missing\'))$a',
    input: { body: "{}" },
    expected: "kept",
  },
  { source: "V17 #macro with arguments", template: "#macro(greet $who)hi $who#end#greet('bob') #greet(\"amy\")", expected: "hi bob hi amy" },
  {
    source: "V17 #define (LS test_render_custom_template uses #define($loop))",
    template: '#define($loop)#foreach($k in $map.keySet())$k=$map.get($k);#end#end#set($map = {"a": 1})$loop#set($map = {"b": 2})$loop',
    expected: "a=1;b=2;",
  },
  { source: "V17 #evaluate renders a string as a template", template: "#set($t = 'x=$x')#set($x = 5)#evaluate($t)", expected: "x=5" },
  { source: "V17 #stop ends rendering", template: "a#stop()b", expected: "a" },
  { source: "V17 ## and #* *# comments", template: "a## line\nb#* block *#c", expected: "abc" },
  { source: "V17 string interpolation in double quotes, not in single quotes", template: "#set($x = 'v')#set($a = \"[$x]\")#set($b = '[$x]')$a $b", expected: "[v] [$x]" },
  { source: "V17 string + concatenates", template: '#set($a = "n=" + 5)$a', expected: "n=5" },
];

describe("VTL rendering table", () => {
  for (const row of rows) {
    it(`${row.source}`, () => {
      expect(render(row.template, row.input)).toBe(row.expected);
    });
  }
});
