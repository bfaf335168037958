; SPDX-License-Identifier: MIT
;
; mb_low - mb_elf linked at 0x8000 (guests/mb_low.ld), in conventional
; memory where modvmm once kept the multiboot information: it must load
; and still get its information, placed after it.

%include "mb_elf.elf32.asm"
