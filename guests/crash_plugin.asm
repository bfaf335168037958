; SPDX-License-Identifier: MIT
;
; crash_plugin - the guest for tests/plugins-crash/crashdev.c: print a
; line through the UART, then write crashdev's magic byte 0xc5 to its
; port 0x5e0 and to its MMIO address 0xb0000 (whichever it was given;
; the other write is unclaimed and dropped).  The UART buffers that line
; (out= is not a terminal), so it reaches stdout only if modvmm flushes
; the UART when the device crashes.
;
; If nothing crashed after a while (a timer crash takes 1 ms), it prints
; "crash_plugin: still running" and exits with 1 (status 3).
;
;   modvmm -d crashdev.so,mode=segv build/guests/crash_plugin.bin

	bits 16
	org 0

COM1		equ 0x3f8
CRASH_PORT	equ 0x5e0
CRASH_MMIO_SEG	equ 0xb000
MAGIC		equ 0xc5
EXIT_PORT	equ 0xf4

start:
	cli
	xor ax, ax
	mov ds, ax
	mov si, before
	call puts
	mov al, MAGIC
	mov dx, CRASH_PORT
	out dx, al
	mov bx, CRASH_MMIO_SEG
	mov es, bx
	mov [es:0], al
	; give a timer crash time to happen: poll an unclaimed port, each
	; poll one exit
	mov cx, 20000
.wait:
	in al, 0x80
	loop .wait
	mov si, after
	call puts
	mov al, 1
	out EXIT_PORT, al
	cli
	hlt

; puts: print the NUL-terminated string at DS:SI on COM1.
puts:
	mov dx, COM1
.next:
	lodsb
	test al, al
	jz .done
	out dx, al
	jmp .next
.done:
	ret

before:	db "crash_plugin: writing the magic byte", 10, 0
after:	db "crash_plugin: still running", 10, 0
