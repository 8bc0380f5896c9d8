" hmap mapping files: *.hmap are maps and schema modules (editors/vim/syntax/hmap.vim)
autocmd BufRead,BufNewFile *.hmap setfiletype hmap
