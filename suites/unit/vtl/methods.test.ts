import { describe, expect, it } from "vitest";
import { TemplateRenderError } from "../../../reference-gateway/templates/index.ts";
import { render, type Row } from "./helpers.ts";

// Java String / Map / List methods as templates call them. Source for every row: the Java SE API documentation of
// java.lang.String, java.util.Map, java.util.List (Velocity 1.7 calls the real Java methods on these objects).
const s = (value: string) => ({ querystring: { s: value } });
const rows: Row[] = [
  { source: "String.contains/startsWith/endsWith", template: "$input.params('s').contains('b') $input.params('s').startsWith('ab') $input.params('s').endsWith('c') $input.params('s').contains('z')", input: s("abc"), expected: "true true true false" },
  { source: "String.matches is a full match", template: "$input.params('s').matches('b+') $input.params('s').matches('ab+c') $input.params('s').matches('(?i)ABBC')", input: s("abbc"), expected: "false true true" },
  { source: "String.replaceAll: Java regex, $1 groups, \\$ literal", template: "$input.params('s').replaceAll('(\\w+)@(\\w+)', '$2 at $1') $input.params('s').replaceAll('@', '\\$')", input: s("bob@home"), expected: "home at bob bob$home" },
  { source: "String.replaceFirst and literal String.replace", template: "$input.params('s').replaceFirst('a', 'X') $input.params('s').replace('.', '!')", input: s("a.a.a"), expected: "X.a.a a!a!a" },
  { source: "toLowerCase/toUpperCase/trim (code units <= U+0020)/length", template: "[$input.params('s').toLowerCase()][$input.params('s').toUpperCase()][$input.params('s').trim()][$input.params('s').length()]", input: s(" \tMiXed \n"), expected: "[ \tmixed \n][ \tMIXED \n][MiXed][9]" },
  { source: "substring/indexOf/lastIndexOf/charAt", template: "$input.params('s').substring(1) $input.params('s').substring(1, 3) $input.params('s').indexOf('l') $input.params('s').lastIndexOf('l') $input.params('s').indexOf('z') $input.params('s').charAt(0)", input: s("hello"), expected: "ello el 2 3 -1 h" },
  { source: "String.split: Java regex, trailing empty strings dropped", template: "$input.params('s').split(',') $input.params('s').split(',').size() $input.params('s').split('\\s*,\\s*').get(1)", input: s("a, b,,c,,"), expected: "[a,  b, , c] 4 b" },
  { source: "String.split of an empty string is one empty string; no match → the whole string", template: "#set($e = '')$e.split(',').size() $input.params('s').split(';')", input: s("a,b"), expected: "1 [a,b]" },
  { source: "equals/equalsIgnoreCase/isEmpty", template: "$input.params('s').equals('Ab') $input.params('s').equals('ab') $input.params('s').equalsIgnoreCase('aB') $input.params('s').isEmpty() $input.params('none').isEmpty()", input: s("Ab"), expected: "true false true false true" },
  { source: "JavaBean properties: $s.empty → isEmpty(), $entry.key → getKey()", template: "#set($m = {\"k\": \"v\"})$input.params('s').empty #foreach($e in $m.entrySet())$e.key=$e.value#end", input: s("x"), expected: "false k=v" },
  { source: "Map.put returns the previous value (null prints as nothing); size/containsKey/keySet/values/remove", template: '#set($m = {"a": 1})[$m.put("b", 2)][$m.put("a", 3)] $m.size() $m.containsKey("b") $m.keySet() $m.values() $m.remove("a") $m', expected: "[][1] 2 true [a, b] [3, 2] 3 {b=2}" },
  { source: "List add/get/size/isEmpty/contains/indexOf/set/remove/subList", template: '#set($l = [])#set($ok = $l.add("x"))$ok $l.add("y") $l.size() $l.get(1) $l.isEmpty() $l.contains("x") $l.indexOf("y") $l.set(0, "z") $l $l.remove(0) $l.subList(0, 1)', expected: "true true 2 y false true 1 x [z, y] z [y]" },
  { source: "Map/List $x[i] index notation (Velocity 1.7) and #set into an index", template: '#set($m = {"a": [1, 2]})$m["a"][1] #set($m.a[0] = 9)#set($m["b"] = "B")$m', expected: "2 {a=[9, 2], b=B}" },
  { source: "Number and Boolean methods", template: "#set($n = 5)#set($d = 2.5)#set($t = true)$n.toString() $d.intValue() $n.doubleValue() $t.toString() $n.equals(5) $n.equals(5.0)", expected: "5 2 5.0 true true false" },
  { source: "methods that do not exist give nothing (Velocity: null reference, printed empty)", template: "[$input.params('s').frobnicate()][$input.params('s').getClass()][$input.params('s').class]", input: s("x"), expected: "[][][]" },
];

describe("Java methods", () => {
  for (const row of rows) it(row.source, () => expect(render(row.template, row.input)).toBe(row.expected));

  it("out-of-range substring/get/charAt throw StringIndexOutOfBounds/IndexOutOfBounds → render error (5XX)", () => {
    expect(() => render("$input.params('s').substring(5)", s("abc"))).toThrow(TemplateRenderError);
    expect(() => render("#set($l = [1])$l.get(3)")).toThrow(TemplateRenderError);
    expect(() => render("$input.params('s').charAt(9)", s("abc"))).toThrow(TemplateRenderError);
  });

  it("an invalid regex is a render error (Java PatternSyntaxException)", () => {
    expect(() => render("$input.params('s').matches('(')", s("abc"))).toThrow(TemplateRenderError);
    expect(() => render("$input.params('s').replaceAll('a', '$x')", s("abc"))).toThrow(/Illegal group reference/);
  });
});
