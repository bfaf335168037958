; SPDX-License-Identifier: MIT
;
; mb_aout - a multiboot v1 kernel in a flat binary, loaded through the
; a.out kludge (header flags bit 16): the header says where the file goes
; (load_addr), how much of it (load_end_addr), where bss ends and where to
; start.  The header is not at the start of the file, so the loader must
; use header_addr to find the load offset; bytes after load_end_addr are
; in the file but must not be loaded (they lie where bss is, which must
; read as zero).  Prints on COM1, exits through port 0xf4 with 0
; (status 1), 1 on a bad EAX magic, 2 if bss is not zero.

bits 32
org 0x100000

MB_HEADER_MAGIC	equ 0x1badb002
MB_BOOT_MAGIC	equ 0x2badb002
MB_FLAGS	equ 0x00010002	; memory info, a.out kludge

load_start:
	jmp start
align 4
mb_header:
	dd MB_HEADER_MAGIC
	dd MB_FLAGS
	dd -(MB_HEADER_MAGIC + MB_FLAGS)
	dd mb_header			; header_addr
	dd load_start			; load_addr
	dd load_end			; load_end_addr
	dd bss_end			; bss_end_addr
	dd start			; entry_addr

%include "mb_serial.inc"

start:
	mov esp, stack_top
	mov ebp, ebx
	cmp eax, MB_BOOT_MAGIC
	je .magic_ok
	print `mb-aout: magic bad\n`
	mov eax, 1
	jmp exit
.magic_ok:
	print `mb-aout: magic ok\n`
	print "mb-aout: flags 0x"
	mov eax, [ebp]
	call puthex
	call newline
	print "mb-aout: mem_upper "
	mov eax, [ebp + 8]
	call putdec
	print ` KiB\n`
	print "mb-aout: cmdline '"
	mov esi, [ebp + 16]
	call puts
	print `'\n`
	mov esi, bss_start
	mov ecx, bss_block_end - bss_start	; not the stack: in use
.check:
	cmp byte [esi], 0
	jne .bad_bss
	inc esi
	dec ecx
	jnz .check
	print `mb-aout: bss ok\n`
	xor eax, eax
	jmp exit
.bad_bss:
	print `mb-aout: bss not zero\n`
	mov eax, 2
	jmp exit

align 4
load_end:
	; In the file, not loaded: where bss begins.
	db "this must not be loaded", 0

absolute load_end
bss_start:
	resb 256
bss_block_end:
stack:
	resb 1024
stack_top:
bss_end:
