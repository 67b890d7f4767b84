/**
 * Tracardi's condition language (TQL) as an Ohm grammar. Keywords are case-insensitive and must not run
 * into a following identifier character (`ANDROID` is not `AND`). Precedence: NOT > AND > OR.
 * Function calls (`now.offset("-1d")`) take paths and literals, not other calls, as Tracardi's
 * `op_compound_value` does (tracardi/process_engine/tql/grammar/uql_expr.lark); `5m` is its OP_TIME
 * literal, a string. AND/OR chains and runs of NOT are iterations, not recursion, so a long chain
 * parses in constant stack depth; only brackets nest (bounded by limits.ts).
 */
export const TQL_GRAMMAR = String.raw`
TQL {
  Condition = OrExpr

  OrExpr = NonemptyListOf<AndExpr, or>

  AndExpr = NonemptyListOf<NotExpr, and>

  NotExpr = not* Primary

  Primary
    = "(" OrExpr ")"  -- paren
    | Predicate

  Predicate
    = exists "(" path ")"                   -- existsCall
    | exists path                           -- existsPrefix
    | path not exists                       -- notExists
    | path exists                           -- exists
    | Operand is not nullLit                -- isNotNull
    | Operand is nullLit                    -- isNull
    | Operand not empty                     -- notEmpty
    | Operand empty                         -- empty
    | Operand between Operand and Operand   -- between
    | Operand not in List                   -- notIn
    | Operand in List                       -- in
    | Operand contains Operand              -- contains
    | Operand starts with Operand           -- startsWith
    | Operand ends with Operand             -- endsWith
    | Operand compareOp Operand             -- compare

  List
    = "(" ListOf<Operand, ","> ")"  -- round
    | "[" ListOf<Operand, ","> "]"  -- square

  Operand (a value, a path or a function call) = Call | path | literal

  Call = functionName "(" ListOf<Argument, ","> ")"
  Argument = path | literal
  functionName (a function name) = ident ("." ident)*

  PathOnly = path

  compareOp (a comparison operator) = "==" | "!=" | ">=" | "<=" | "=>" | "=<" | ">" | "<"

  path (a path like event@properties.a) = ident "@" segments?
  segments = segment ("." segment)*
  segment = segmentChar+
  segmentChar = alnum | "_" | "-"
  ident = letter identPart*
  identPart = alnum | "_"

  literal (a value) = string | duration | number | boolean | nullLit

  string
    = "\"" dqChar* "\""  -- double
    | "'" sqChar* "'"    -- single
  dqChar = "\\" any  -- escaped
         | ~("\"" | "\n") any  -- plain
  sqChar = "\\" any  -- escaped
         | ~("'" | "\n") any  -- plain

  number = ("-" | "+")? digit+ ("." digit+)? exponent? ~identPart
  exponent = ("e" | "E") ("-" | "+")? digit+

  duration = digit+ ("s" | "m" | "h" | "d") ~identPart

  boolean = (caseInsensitive<"true"> | caseInsensitive<"false">) ~identPart
  nullLit = caseInsensitive<"null"> ~identPart

  and = caseInsensitive<"and"> ~identPart
  or = caseInsensitive<"or"> ~identPart
  not = caseInsensitive<"not"> ~identPart
  exists = caseInsensitive<"exists"> ~identPart
  is = caseInsensitive<"is"> ~identPart
  empty = caseInsensitive<"empty"> ~identPart
  between = caseInsensitive<"between"> ~identPart
  in = caseInsensitive<"in"> ~identPart
  contains = caseInsensitive<"contains"> ~identPart
  starts = caseInsensitive<"starts"> ~identPart
  ends = caseInsensitive<"ends"> ~identPart
  with = caseInsensitive<"with"> ~identPart
}
`;
