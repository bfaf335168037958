; SPDX-License-Identifier: MIT
;
; bios.asm - wraps a flat real-mode bench guest into a 64 KiB QEMU -bios
; image: the guest at offset 0 (physical 0xf0000 in the low BIOS alias),
; and at the reset vector (offset 0xfff0, reached at 0xfffffff0 with
; CS base 0xffff0000) a far jump to it, so it starts at CS:IP f000:0.
;
;   nasm -f bin -DIMAGE='"pio-200000.bin"' -o pio-200000.bios bench/bios.asm

bits 16
org 0

incbin IMAGE
%if $ - $$ > 0xfff0
%error guest image too large for a 64 KiB BIOS
%endif
	times 0xfff0 - ($ - $$) db 0
	jmp 0xf000:0x0000
	times 0x10000 - ($ - $$) db 0
