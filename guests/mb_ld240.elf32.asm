; SPDX-License-Identifier: MIT
;
; mb_ld240 - mb_elf as GNU ld 2.40 links a kernel at 1 MiB with its
; default script (no guests/mb_ld240.ld: -Ttext=0x100000): a first,
; headers-only segment at 0xff000, in the BIOS area, then the code at
; 1 MiB.  The header goes first in .text to stay in the first 8 KiB.

%define MB_HEADER_IN_TEXT
%include "mb_elf.elf32.asm"
