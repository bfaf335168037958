; SPDX-License-Identifier: MIT
;
; mb_elf - a multiboot v1 ELF32 kernel that prints on COM1 what the boot
; loader handed over: the magic, the info flags, mem_lower/mem_upper, the
; command line and loader name, each module (addresses, string, first
; bytes) and the memory map; then it checks its own data and bss.  Exits
; through port 0xf4 with 0 (status 1) when all is well, else with
; 1 (bad EAX magic), 2 (a module not page-aligned) or 3 (data/bss wrong).
; Linked at 1 MiB by mb_elf.ld.

bits 32

MB_HEADER_MAGIC	equ 0x1badb002
MB_BOOT_MAGIC	equ 0x2badb002
MB_FLAGS	equ 0x00000003	; page-align modules, memory info

; struct multiboot_info offsets
MBI_FLAGS	equ 0
MBI_MEM_LOWER	equ 4
MBI_MEM_UPPER	equ 8
MBI_CMDLINE	equ 16
MBI_MODS_COUNT	equ 20
MBI_MODS_ADDR	equ 24
MBI_MMAP_LENGTH	equ 44
MBI_MMAP_ADDR	equ 48
MBI_LOADER_NAME	equ 64

; mb_ld240 wants the header at the start of the default script's .text.
%ifdef MB_HEADER_IN_TEXT
section .text.multiboot progbits alloc exec nowrite align=4
%else
section .multiboot progbits alloc noexec nowrite align=4
%endif
	dd MB_HEADER_MAGIC
	dd MB_FLAGS
	dd -(MB_HEADER_MAGIC + MB_FLAGS)

section .text
%include "mb_serial.inc"

global _start
_start:
	mov esp, stack_top
	mov ebp, ebx			; the info structure, for good
	xor edi, edi			; exit value
	cmp eax, MB_BOOT_MAGIC
	je .magic_ok
	print "mb: magic bad 0x"
	call puthex
	call newline
	mov eax, 1
	jmp exit
.magic_ok:
	print `mb: magic ok\n`
	print "mb: flags 0x"
	mov eax, [ebp + MBI_FLAGS]
	call puthex
	call newline
	call show_memory
	call show_strings
	call show_mods
	call show_mmap
	call check_sections
	mov eax, edi
	jmp exit

show_memory:
	test dword [ebp + MBI_FLAGS], 1 << 0
	jz .done
	print "mb: mem_lower "
	mov eax, [ebp + MBI_MEM_LOWER]
	call putdec
	print ` KiB\n`
	print "mb: mem_upper "
	mov eax, [ebp + MBI_MEM_UPPER]
	call putdec
	print ` KiB\n`
.done:
	ret

show_strings:
	test dword [ebp + MBI_FLAGS], 1 << 2
	jz .no_cmdline
	print "mb: cmdline '"
	mov esi, [ebp + MBI_CMDLINE]
	call puts
	print `'\n`
.no_cmdline:
	test dword [ebp + MBI_FLAGS], 1 << 9
	jz .done
	print "mb: loader '"
	mov esi, [ebp + MBI_LOADER_NAME]
	call puts
	print `'\n`
.done:
	ret

; "mb: mod N start 0x... end 0x... string '...' data '<first 16 bytes>'"
show_mods:
	test dword [ebp + MBI_FLAGS], 1 << 3
	jz .done
	print "mb: mods_count "
	mov eax, [ebp + MBI_MODS_COUNT]
	call putdec
	call newline
	mov ebx, [ebp + MBI_MODS_ADDR]
	xor ecx, ecx
.next:
	cmp ecx, [ebp + MBI_MODS_COUNT]
	jae .done
	print "mb: mod "
	mov eax, ecx
	call putdec
	print " start 0x"
	mov eax, [ebx]
	call puthex
	print " end 0x"
	mov eax, [ebx + 4]
	call puthex
	print " string '"
	mov esi, [ebx + 8]
	call puts
	print "' data '"
	mov esi, [ebx]
	mov eax, [ebx + 4]
	sub eax, esi
	cmp eax, 16
	jbe .short
	mov eax, 16
.short:
	call putbytes
	print `'\n`
	test dword [ebx], 0xfff
	jz .aligned
	print `mb: module not page-aligned\n`
	mov edi, 2
.aligned:
	add ebx, 16
	inc ecx
	jmp .next
.done:
	ret

; "mb: mmap base 0x<16 digits> length 0x<16 digits> type N"
show_mmap:
	test dword [ebp + MBI_FLAGS], 1 << 6
	jz .done
	mov ebx, [ebp + MBI_MMAP_ADDR]
	mov ecx, ebx
	add ecx, [ebp + MBI_MMAP_LENGTH]
.next:
	cmp ebx, ecx
	jae .done
	print "mb: mmap base 0x"
	mov eax, [ebx + 8]
	call puthex
	mov eax, [ebx + 4]
	call puthex
	print " length 0x"
	mov eax, [ebx + 16]
	call puthex
	mov eax, [ebx + 12]
	call puthex
	print " type "
	mov eax, [ebx + 20]
	call putdec
	call newline
	mov eax, [ebx]			; entry size, not counting itself
	lea ebx, [ebx + eax + 4]
	jmp .next
.done:
	ret

check_sections:
	cmp dword [data_word], 0x12345678
	jne .bad
	print `mb: data ok\n`
	mov esi, bss_block
	mov ecx, bss_block_end - bss_block
.next:
	cmp byte [esi], 0
	jne .bad
	inc esi
	dec ecx
	jnz .next
	print `mb: bss ok\n`
	ret
.bad:
	print `mb: data/bss wrong\n`
	mov edi, 3
	ret

section .data
data_word:
	dd 0x12345678

section .bss
alignb 16
bss_block:
	resb 256
bss_block_end:
stack:
	resb 4096
stack_top:
