; SPDX-License-Identifier: MIT
;
; fwcfg - reads QEMU's fw_cfg device (devices/fw_cfg.c) the way firmware
; does: through the selector and data ports, then through DMA.
;
; Flat real-mode image, loaded at 0 and entered at 0:0, so that offsets
; are guest physical addresses.  Needs `-d fw_cfg` at port 0x510 with DMA
; and a firmware file opt/test of at most 32 bytes.  Prints on the debug
; console:
;   fwcfg: signature QEMU
;   fwcfg: id 0003
;   fwcfg: cpus 0001
;   fwcfg: ram 0000000004000000        (-m 64M)
;   fwcfg: file opt/test key 0021 size 0005: hello
;   fwcfg: dma sig QEMU CFG
;   fwcfg: dma hello
;   fwcfg: dma cpus and ram match
;   fwcfg: dma write refused
;   fwcfg: kernel size XXXX, its first 16 bytes match
;   fwcfg: cmdline size XXXX: TEXT     (--append, at most 32 bytes)
;   fwcfg: initrd size XXXX            (the size's low 16 bits)
;   fwcfg: OK
; and exits with value 0 (status 1), or prints "fwcfg: FAIL step N" and
; exits with value 1 (status 3).
;
;   modvmm -m 64M -d fw_cfg --fw-cfg name=opt/test,string=hello \
;       build/guests/fwcfg.bin

bits 16
org 0

%include "exit.inc"

FW_CFG_SEL	equ 0x510
FW_CFG_DATA	equ 0x511
FW_CFG_DMA	equ 0x514		; high half; the low half at +4
KEY_ID		equ 0x01
KEY_RAM		equ 0x03
KEY_CPUS	equ 0x05
KEY_DIR		equ 0x19
KEY_KERNEL_SIZE	equ 0x08
KEY_KERNEL_DATA	equ 0x11
KEY_INITRD_SIZE	equ 0x0b
KEY_CMDLINE_SIZE equ 0x14
KEY_CMDLINE_DATA equ 0x15
DMA_ERROR	equ 0x01
DMA_READ	equ 0x02
DMA_SELECT	equ 0x08
DMA_WRITE	equ 0x10
FILE_MAX	equ 32

; SELECT reg16/imm: select an item (a 16-bit write of the selector).
%macro SELECT 1
	mov ax, %1
	mov dx, FW_CFG_SEL
	out dx, ax
%endmacro

; READ dest, count: the next count bytes of the item to dest.
%macro READ 2
	mov di, %1
	mov cx, %2
	call read_bytes
%endmacro

; FAIL_IF cond, step
%macro FAIL_IF 2
	mov bl, %2
	j%+1 fail
%endmacro

start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax

	; 1: the signature item reads "QEMU"
	SELECT 0
	READ sig, 4
	cmp dword [sig], 'QEMU'
	FAIL_IF ne, 1
	PUTS msg_sig
	PUTS sig
	call newline

	; 2: the ID has the traditional interface bit
	SELECT KEY_ID
	READ id, 4
	PUTS msg_id
	mov ax, [id]
	call puthex16
	call newline
	test byte [id], 1
	FAIL_IF z, 2

	; 3: CPUs (16-bit) and RAM size (64-bit), little-endian
	SELECT KEY_CPUS
	READ cpus, 2
	PUTS msg_cpus
	mov ax, [cpus]
	call puthex16
	call newline
	SELECT KEY_RAM
	READ ram, 8
	PUTS msg_ram
	mov si, ram + 6
	mov cx, 4
.ram_word:
	mov ax, [si]
	call puthex16
	sub si, 2
	loop .ram_word
	call newline

	; 4: find opt/test in the directory (big-endian count and entries)
	SELECT KEY_DIR
	READ count, 4
	mov eax, [count]
	bswap eax
	test eax, eax
	FAIL_IF z, 4
	cmp eax, 0x1000
	FAIL_IF a, 4
	mov [left], ax
.entry:
	READ entry, 64
	mov si, file_name
	mov di, entry + 8
	mov cx, file_name_len
	repe cmpsb
	je .found
	dec word [left]
	jnz .entry
	mov bl, 4
	jmp fail
.found:
	mov ax, [entry + 4]
	xchg al, ah
	mov [key], ax
	mov eax, [entry]
	bswap eax
	mov [size], eax
	cmp eax, FILE_MAX
	FAIL_IF a, 5

	; 5: the file through the data port
	SELECT [key]
	READ file_buf, [size]
	PUTS msg_file
	mov ax, [key]
	call puthex16
	PUTS msg_size
	mov ax, [size]
	call puthex16
	PUTS msg_colon
	PUTS file_buf
	call newline

	; 6: DMA: the ID says so, the address register reads "QEMU CFG"
	test byte [id], 2
	FAIL_IF z, 6
	mov dx, FW_CFG_DMA
	in eax, dx
	cmp eax, 'QEMU'
	FAIL_IF ne, 6
	add dx, 4
	in eax, dx
	cmp eax, ' CFG'
	FAIL_IF ne, 6
	PUTS msg_dma_sig

	; 7: the file again, by DMA with select: control 0, same bytes
	movzx eax, word [key]
	shl eax, 16
	or eax, DMA_SELECT | DMA_READ
	mov ecx, [size]
	mov edx, dma_buf
	call dma
	cmp dword [desc_control], 0
	FAIL_IF ne, 7
	mov si, file_buf
	mov di, dma_buf
	mov cx, [size]
	repe cmpsb
	FAIL_IF ne, 7
	PUTS msg_dma
	PUTS dma_buf
	call newline

	; the CPU count and the RAM size again, by DMA: as through the port
	mov eax, (KEY_CPUS << 16) | DMA_SELECT | DMA_READ
	mov ecx, 2
	mov edx, dma_buf
	call dma
	cmp dword [desc_control], 0
	FAIL_IF ne, 7
	mov ax, [dma_buf]
	cmp ax, [cpus]
	FAIL_IF ne, 7
	mov eax, (KEY_RAM << 16) | DMA_SELECT | DMA_READ
	mov ecx, 8
	mov edx, dma_buf
	call dma
	cmp dword [desc_control], 0
	FAIL_IF ne, 7
	mov eax, [dma_buf]
	cmp eax, [ram]
	FAIL_IF ne, 7
	mov eax, [dma_buf + 4]
	cmp eax, [ram + 4]
	FAIL_IF ne, 7
	PUTS msg_dma_boot

	; 8: a DMA write: every item is read-only, the error bit comes back
	mov eax, DMA_WRITE
	mov ecx, 1
	mov edx, dma_buf
	call dma
	mov eax, [desc_control]
	bswap eax
	cmp eax, DMA_ERROR
	FAIL_IF ne, 8
	PUTS msg_refused

	; 9: the kernel items are this very image: its size, then its
	; first 16 bytes as loaded at 0 (code, which nothing changed)
	SELECT KEY_KERNEL_SIZE
	READ size, 4
	cmp dword [size], image_end
	FAIL_IF ne, 9
	SELECT KEY_KERNEL_DATA
	READ entry, 16
	mov si, 0
	mov di, entry
	mov cx, 16
	repe cmpsb
	FAIL_IF ne, 9
	PUTS msg_kernel
	mov ax, [size]
	call puthex16
	PUTS msg_kernel_match

	; the command line (--append) with its NUL, and the initrd's size
	SELECT KEY_CMDLINE_SIZE
	READ size, 4
	cmp dword [size], FILE_MAX
	FAIL_IF a, 9
	cmp dword [size], 0
	FAIL_IF e, 9
	SELECT KEY_CMDLINE_DATA
	READ file_buf, [size]
	PUTS msg_cmdline
	mov ax, [size]
	call puthex16
	PUTS msg_colon
	PUTS file_buf
	call newline
	SELECT KEY_INITRD_SIZE
	READ size, 4
	PUTS msg_initrd
	mov ax, [size]
	call puthex16
	call newline

	PUTS msg_ok
	EXIT 0

fail:
	PUTS msg_fail
	mov al, bl
	add al, '0'
	out DEBUGCON, al
	call newline
	EXIT 1

; read_bytes: CX bytes from the data port to ES:DI.
read_bytes:
	push dx
	mov dx, FW_CFG_DATA
	rep insb
	pop dx
	ret

; dma: control EAX, length ECX, buffer EDX (below 4 GiB) into the
; descriptor, big-endian, then its address to the register: the high
; half, then the low half, which starts the transfer.
dma:
	bswap eax
	mov [desc_control], eax
	bswap ecx
	mov [desc_length], ecx
	mov dword [desc_address], 0
	bswap edx
	mov [desc_address + 4], edx
	mov dx, FW_CFG_DMA
	xor eax, eax
	out dx, eax
	add dx, 4
	mov eax, desc
	bswap eax
	out dx, eax
	ret

newline:
	mov al, 10
	out DEBUGCON, al
	ret

DEBUGCON_ROUTINES

msg_sig:	db "fwcfg: signature ", 0
msg_id:		db "fwcfg: id ", 0
msg_cpus:	db "fwcfg: cpus ", 0
msg_ram:	db "fwcfg: ram ", 0
msg_file:	db "fwcfg: file opt/test key ", 0
msg_size:	db " size ", 0
msg_colon:	db ": ", 0
msg_dma_sig:	db "fwcfg: dma sig QEMU CFG", 10, 0
msg_dma:	db "fwcfg: dma ", 0
msg_refused:	db "fwcfg: dma write refused", 10, 0
msg_dma_boot:	db "fwcfg: dma cpus and ram match", 10, 0
msg_ok:		db "fwcfg: OK", 10, 0
msg_kernel:	db "fwcfg: kernel size ", 0
msg_kernel_match: db ", its first 16 bytes match", 10, 0
msg_cmdline:	db "fwcfg: cmdline size ", 0
msg_initrd:	db "fwcfg: initrd size ", 0
msg_fail:	db "fwcfg: FAIL step ", 0
file_name:	db "opt/test", 0
file_name_len	equ $ - file_name

align 16
desc:					; FWCfgDmaAccess, big-endian
desc_control:	dd 0
desc_length:	dd 0
desc_address:	dq 0
sig:		times 5 db 0
id:		dd 0
cpus:		dw 0
ram:		dq 0
count:		dd 0
left:		dw 0
key:		dw 0
size:		dd 0
entry:		times 64 db 0
file_buf:	times FILE_MAX + 1 db 0
dma_buf:	times FILE_MAX + 1 db 0
image_end:
