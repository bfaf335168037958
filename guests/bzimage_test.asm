; SPDX-License-Identifier: MIT
;
; bzimage_test - a synthetic Linux bzImage for modvmm's bzImage loader.
;
; The file is laid out as boot.rst describes: a boot sector with the real
; setup header at 0x1f1 (boot flag, "HdrS", protocol 2.15, XLF_KERNEL_64),
; SETUP_SECTS sectors of (never run) setup code, then the protected-mode
; "kernel", loaded at 0x100000.  The loader enters it in long mode at
; +0x200 (startup_64) with RSI = struct boot_params; it prints on COM1
; what it finds there: the protocol version, type_of_loader, the command
; line, the e820 map, the memory sizes and the initrd with its first
; bytes.  It exits through port 0xf4 with 0 (status 1) when the zero page
; holds the image's setup header, 1 (status 3) when it does not; entered
; at startup_32 it exits with 2 (status 5).

SETUP_SECTS	equ 1
LOAD_ADDR	equ 0x100000
INIT_SIZE	equ 0x100000		; what the "kernel" needs where it runs
COM1		equ 0x3f8
EXIT_PORT	equ 0xf4

; boot_params offsets the kernel reads
BP_EXT_MEM_K	equ 0x002
BP_ALT_MEM_K	equ 0x1e0
BP_E820_ENTRIES	equ 0x1e8
BP_SENTINEL	equ 0x1ef
BP_E820_TABLE	equ 0x2d0

; ---------------------------------------------------------------------------
; Boot sector and setup header
	section setup start=0
	bits 16

	cli				; a BIOS booting the file finds this
	hlt
	times 0x1f1 - ($ - $$) db 0

hdr:
setup_sects:		db SETUP_SECTS			; 0x1f1
root_flags:		dw 0				; 0x1f2
syssize:		dd (kernel_end - startup_32) / 16	; 0x1f4
ram_size:		dw 0				; 0x1f8
vid_mode:		dw 0xffff			; 0x1fa
root_dev:		dw 0				; 0x1fc
boot_flag:		dw 0xaa55			; 0x1fe
jump:			db 0xeb, setup_code - 0x202	; 0x200
header:			db "HdrS"			; 0x202
version:		dw 0x020f			; 0x206
realmode_swtch:		dd 0				; 0x208
start_sys_seg:		dw 0x1000			; 0x20c
kernel_version:		dw 0				; 0x20e
type_of_loader:		db 0				; 0x210
loadflags:		db 0x01				; 0x211 LOADED_HIGH
setup_move_size:	dw 0x8000			; 0x212
code32_start:		dd LOAD_ADDR			; 0x214
ramdisk_image:		dd 0				; 0x218
ramdisk_size:		dd 0				; 0x21c
bootsect_kludge:	dd 0				; 0x220
heap_end_ptr:		dw 0				; 0x224
ext_loader_ver:		db 0				; 0x226
ext_loader_type:	db 0				; 0x227
cmd_line_ptr:		dd 0				; 0x228
initrd_addr_max:	dd 0x7fffffff			; 0x22c
kernel_alignment:	dd 0x200000			; 0x230
relocatable_kernel:	db 1				; 0x234
min_alignment:		db 21				; 0x235
xloadflags:		dw 0x0001			; 0x236 XLF_KERNEL_64
cmdline_size:		dd 255				; 0x238
hardware_subarch:	dd 0				; 0x23c
hardware_subarch_data:	dq 0				; 0x240
payload_offset:		dd 0				; 0x248
payload_length:		dd 0				; 0x24c
setup_data:		dq 0				; 0x250
pref_address:		dq 0x200000			; 0x258
init_size:		dd INIT_SIZE			; 0x260
handover_offset:	dd 0				; 0x264
kernel_info_offset:	dd 0				; 0x268
hdr_end:

; The real-mode setup code: modvmm's 64-bit protocol never runs it.
setup_code:
	cli
	hlt
	jmp setup_code
	times (SETUP_SECTS + 1) * 512 - ($ - $$) db 0

; ---------------------------------------------------------------------------
; The protected-mode kernel
	section kernel follows=setup vstart=LOAD_ADDR
	bits 32

startup_32:
	mov al, 2
	out EXIT_PORT, al
	cli
	hlt
	times 0x200 - ($ - $$) db 0

	bits 64
	default rel

; print "text": a string literal, kept inline.
%macro print 1
	jmp %%after
%%str:	db %1, 0
%%after:
	lea rsi, [%%str]
	call puts
%endmacro

startup_64:
	lea rsp, [stack_top]
	mov rbx, rsi			; struct boot_params
	print `bz: hello from startup_64\n`
	print "bz: entry 0x"
	lea rax, [startup_64]
	call puthex32
	print " rsi 0x"
	mov rax, rbx
	call puthex32
	call newline

	print "bz: protocol 0x"
	movzx eax, word [rbx + 0x206]
	call puthex16
	print " type_of_loader 0x"
	movzx eax, byte [rbx + 0x210]
	call puthex8
	print " loadflags 0x"
	movzx eax, byte [rbx + 0x211]
	call puthex8
	call newline

	print "bz: cmdline '"
	mov esi, [rbx + 0x228]
	call puts
	print `'\n`

	call show_memory
	call show_initrd
	call check_header
	print `bz: header ok\n`
	xor eax, eax
	jmp exit

; show_memory: ext_mem_k, alt_mem_k and every e820 entry.
show_memory:
	print "bz: ext_mem_k "
	movzx eax, word [rbx + BP_EXT_MEM_K]
	call putdec
	print " alt_mem_k "
	mov eax, [rbx + BP_ALT_MEM_K]
	call putdec
	call newline
	print "bz: e820 entries "
	movzx eax, byte [rbx + BP_E820_ENTRIES]
	call putdec
	call newline
	movzx r12d, byte [rbx + BP_E820_ENTRIES]
	lea r13, [rbx + BP_E820_TABLE]
.entry:
	test r12d, r12d
	jz .done
	print "bz: e820 base 0x"
	mov rax, [r13]
	call puthex64
	print " size 0x"
	mov rax, [r13 + 8]
	call puthex64
	print " type "
	mov eax, [r13 + 16]
	call putdec
	call newline
	add r13, 20
	dec r12d
	jmp .entry
.done:
	ret

; show_initrd: ramdisk_image, ramdisk_size, the first 16 bytes.
show_initrd:
	print "bz: initrd addr 0x"
	mov eax, [rbx + 0x218]
	call puthex32
	print " size 0x"
	mov eax, [rbx + 0x21c]
	call puthex32
	call newline
	mov ecx, [rbx + 0x21c]
	test ecx, ecx
	jz .done
	cmp ecx, 16
	jbe .print
	mov ecx, 16
.print:
	print "bz: initrd data '"
	mov esi, [rbx + 0x218]
.byte:
	mov al, [rsi]
	cmp al, 0x20
	jb .dot
	cmp al, 0x7e
	jbe .out
.dot:
	mov al, '.'
.out:
	call putc
	inc rsi
	dec ecx
	jnz .byte
	print `'\n`
.done:
	ret

; check_header: the zero page holds our setup header and a sane sentinel;
; exits with 1 when it does not.
check_header:
	cmp dword [rbx + 0x202], 0x53726448	; "HdrS"
	jne .bad
	cmp byte [rbx + BP_SENTINEL], 0
	jne .bad
	cmp byte [rbx + 0x1f1], SETUP_SECTS
	jne .bad
	cmp dword [rbx + 0x260], INIT_SIZE
	jne .bad
	cmp dword [rbx + 0x214], LOAD_ADDR	; code32_start
	jne .bad
	ret
.bad:
	print `bz: header bad\n`
	mov eax, 1
	; fall through

; exit: AL through the exit port (status (AL << 1) | 1).
exit:
	out EXIT_PORT, al
	cli
	hlt
	jmp exit

; ---- output ------------------------------------------------------------
; putc: AL to COM1.  Every routine keeps all registers but RAX/RSI as noted.
putc:
	push rdx
	mov dx, COM1
	out dx, al
	pop rdx
	ret

newline:
	mov al, 10
	jmp putc

; puts: the NUL-terminated string at RSI (RSI and AL clobbered).
puts:
	mov al, [rsi]
	test al, al
	jz .done
	call putc
	inc rsi
	jmp puts
.done:
	ret

; puthexN: RAX as N/4 hex digits (RAX clobbered).
puthex8:
	push rcx
	mov ecx, 2
	jmp puthex
puthex16:
	push rcx
	mov ecx, 4
	jmp puthex
puthex32:
	push rcx
	mov ecx, 8
	jmp puthex
puthex64:
	push rcx
	mov ecx, 16
puthex:
	push rdx
	mov rdx, rax
	mov eax, ecx
	shl eax, 2
	push rcx
	mov ecx, 64
	sub ecx, eax
	shl rdx, cl			; the first digit to the top
	pop rcx
.digit:
	rol rdx, 4
	mov al, dl
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '0' - 10
.out:
	call putc
	dec ecx
	jnz .digit
	pop rdx
	pop rcx
	ret

; putdec: EAX in decimal (RAX clobbered).
putdec:
	push rcx
	push rdx
	push rdi
	lea rdi, [decbuf_end]
	mov byte [rdi], 0
	mov ecx, 10
.div:
	xor edx, edx
	div ecx
	add dl, '0'
	dec rdi
	mov [rdi], dl
	test eax, eax
	jnz .div
	mov rsi, rdi
	call puts
	pop rdi
	pop rdx
	pop rcx
	ret

decbuf:	times 11 db 0
decbuf_end: db 0

	align 16
stack:	times 512 db 0
stack_top:
	align 16
kernel_end:
