" Vim syntax file for hmap mapping files (.hmap).
" Reserved words are grammar/hm_lex.re's KEYWORDS; contextual words its CONTEXTUALS and the
" words hm_parse.y reads by text; tests/editor/editor_files.sh keeps them in step.
" Install: add editors/vim to 'runtimepath' (see docs/editors.md, "Syntax highlighting").
if exists("b:current_syntax")
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

syn case match

syn keyword hmapDeclaration object source from key parent rule let
syn keyword hmapModifier    required create_only readonly optional distinct
syn keyword hmapConditional if else match when
syn keyword hmapRepeat      each
syn keyword hmapStatement   lookup find
syn keyword hmapAnnotation  flag reject lossy ignore
syn keyword hmapOperatorWord and or not in
syn keyword hmapBoolean     true false
syn keyword hmapNull        null
" Contextual words (docs/language.md, "Reserved words") are matches, not keywords: the
" field-name match below then wins at `default: string`, as the language reads it.
syn match hmapDeclaration "\<\%(migration\|module\|use\|setting\|target\|path\|by\)\>"
syn match hmapDeclaration "\<\%(records\|sep\|encoding\|files\|table\|dates\|zone\|strict\)\>"
syn match hmapDeclaration "\<\%(extends\|fragment\)\>"
syn match hmapModifier    "\<\%(max\|min\|default\|unique\)\>"
syn match hmapConditional "\<after\>"
syn match hmapRepeat      "\<\%(as\|where\)\>"
syn match hmapStatement   "\<\%(agent\|upload\)\>"
syn match hmapAnnotation  "\<\%(info\|warn\|review\|skip\|unset\|gap\|export\|csv\)\>"
syn match hmapAnnotation  "\<inventory\>"
syn match hmapType "\<\%(string\|number\|int\|bool\|datetime\|list\|of\|record\)\>"
syn match hmapType "\<\%(ref\|enum\|open\|any\)\>"

" A word before a single ':' is a field name. (A :syn keyword outranks any match, so a
" keyword used as a field name, `key: string`, still shows as the keyword.)
syn match hmapFieldName "\<\h\w*\ze\s*:\%(:\)\@!"
" Type names before '(' are conversion builtins (`int(x)`).
syn match hmapCall      "\<\h\w*\ze\s*("

" `src` is a match, not a keyword, so that src.FIELD (defined after it) wins at `src`.
syn match hmapSrc       "\<src\>"
syn match hmapSrcField  "\<src\.\%(\h\w*\|`[^`]\+`\)"
syn match hmapSetting   "\$\h\w*"
syn match hmapNumber    "\<\d\+\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\=\>"
syn match hmapQuoted    "`[^`]\+`"
syn match hmapOperator  "->\|=>\|??\|==\|!=\|<=\|>=\|=\~\|+=\|[-+*/%<>=?:]"

syn match  hmapEscape    contained "\\\%(u{\x\{1,6}}\|.\)"
syn region hmapString    start=+"+ skip=+\\.+ end=+"\|$+ oneline contains=hmapEscape
syn match  hmapRawString +\<r"[^"]*"+
syn match  hmapComment   "#.*$" contains=hmapTodo,@Spell
syn keyword hmapTodo     contained TODO FIXME XXX NOTE

hi def link hmapDeclaration  Keyword
hi def link hmapModifier     StorageClass
hi def link hmapConditional  Conditional
hi def link hmapRepeat       Repeat
hi def link hmapStatement    Statement
hi def link hmapAnnotation   PreProc
hi def link hmapOperatorWord Operator
hi def link hmapOperator     Operator
hi def link hmapBoolean      Boolean
hi def link hmapNull         Constant
hi def link hmapType         Type
hi def link hmapSrc          Identifier
hi def link hmapSrcField     Identifier
hi def link hmapFieldName    Identifier
hi def link hmapCall         Function
hi def link hmapSetting      Special
hi def link hmapNumber       Number
hi def link hmapQuoted       Identifier
hi def link hmapString       String
hi def link hmapRawString    String
hi def link hmapEscape       SpecialChar
hi def link hmapComment      Comment
hi def link hmapTodo         Todo

let b:current_syntax = "hmap"
let &cpo = s:cpo_save
unlet s:cpo_save
