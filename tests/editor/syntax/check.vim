" check.vim: run by editor_files.sh in a headless Neovim with editors/vim on 'runtimepath';
" opens sample.hmap and writes one line per token: the syntax group found there.
" $RESULT names the file written; each line is "ok WHAT GROUP" or "FAIL WHAT GROUP".
let s:out = []
function! s:at(what, pattern, offset, want) abort
  call cursor(1, 1)
  let l:pos = searchpos(a:pattern, 'cW')
  if l:pos[0] == 0
    call add(s:out, 'FAIL ' . a:what . ' pattern not found: ' . a:pattern)
    return
  endif
  let l:got = synIDattr(synID(l:pos[0], l:pos[1] + a:offset, 1), 'name')
  call add(s:out, (l:got ==# a:want ? 'ok ' : 'FAIL ') . a:what . ' ' . l:got
        \ . (l:got ==# a:want ? '' : ' (want ' . a:want . ')'))
endfunction
call add(s:out, (&filetype ==# 'hmap' ? 'ok' : 'FAIL') . ' filetype ' . &filetype)
call s:at('keyword', '\<rule\>', 0, 'hmapDeclaration')
call s:at('annotation', '\<reject\>', 0, 'hmapAnnotation')
call s:at('modifier', '\<required\>', 0, 'hmapModifier')
call s:at('string', '"no email"', 3, 'hmapString')
call s:at('escape', '\\"', 0, 'hmapEscape')
call s:at('raw-string', 'r"@', 4, 'hmapRawString')
call s:at('comment', '# a map', 5, 'hmapComment')
call s:at('setting', '\$region', 2, 'hmapSetting')
call s:at('src-field', 'src\.email', 5, 'hmapSrcField')
call s:at('quoted-field', 'src\.`Full', 7, 'hmapSrcField')
call s:at('number', '42', 0, 'hmapNumber')
call s:at('operator', '??', 0, 'hmapOperator')
call s:at('builtin', 'lower(', 0, 'hmapCall')
call s:at('field-name', 'email:', 0, 'hmapFieldName')
call writefile(s:out, $RESULT)
qall!
