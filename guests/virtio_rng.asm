; SPDX-License-Identifier: MIT
;
; virtio_rng - two requests to the virtio-rng device (devices/
; virtio_rng.c) with the driver of virtio.inc:
;
;   modvmm --mode protected -d virtio-rng build/guests/virtio_rng.bin
;
; Flat 32-bit image.  The dword at offset 8 is the device's virtio-mmio
; window (default 0xd0000000, the first virtio device's); tests patch it
; to drive a device in another window.  Steps:
;
;  1. initialise the device (ID 4, no feature bits of its own);
;  2. set up queue 0 and DRIVER_OK;
;  3. post a zeroed 64-byte device-writable buffer, wait for it: the used
;     element must be that chain with length 64;
;  4. the same with a second buffer;
;  5. the two buffers must differ;
;  6. and neither may be all zeros.
;
; Output goes to the debug console (port 0xe9, modvmm's stderr):
; "virtio-rng: window 0xd0000000", "virtio-rng: used 64" per request,
; each buffer's first 8 bytes in hex ("virtio-rng: buffer 1 xxxxxxxx
; xxxxxxxx") and "virtio-rng: OK", then exit 0 (status 1); or
; "virtio-rng: FAIL step S error E" (E: the driver's VIRTIO_ERR_* code,
; or 0) and exit 1 (status 3).  Needs the debug port (debugport device)
; and RAM up to 0x80000.

bits 32
org 0x100000

%include "pc32.inc"
%include "virtio.inc"

%define CHECK_REG byte [fail_step]	; for check (pc.inc)

VIRTIO_ID_RNG	equ 4

RINGS		equ 0x20000	; 8 KiB: queue 0
BUF1		equ 0x30000
BUF2		equ 0x30100
BUF_LEN		equ 64
QUEUE_SIZE	equ 8
POLLS		equ 2000000	; InterruptStatus reads: seconds, at worst

start:
	jmp short main
	times 8 - ($ - $$) db 0
window:	dd VIRTIO_DEFAULT_BASE		; offset 8: patched by tests

main:
	cli
	cld
	mov esp, 0x80000
	mov esi, msg_window
	call puts
	mov eax, [window]
	call puthex
	mov al, 10
	call putc

	; 1, 2: the device and its queue.
	mov ebx, [window]
	mov eax, VIRTIO_ID_RNG
	xor edx, edx
	call virtio_init
	mov [fail_err], eax
	check nc, 1
	mov edi, vq0
	xor eax, eax
	mov ecx, QUEUE_SIZE
	mov edx, RINGS
	call virtio_queue_init
	mov [fail_err], eax
	check nc, 2
	mov dword [fail_err], 0
	call virtio_driver_ok

	; 3, 4: one request per buffer.
	mov esi, BUF1
	call rng_request
	check nc, 3
	mov esi, BUF2
	call rng_request
	check nc, 4

	mov esi, msg_buffer1
	mov edx, BUF1
	call show_buffer
	mov esi, msg_buffer2
	mov edx, BUF2
	call show_buffer

	; 5: the buffers differ.
	xor ecx, ecx
.differ:
	mov al, [BUF1 + ecx]
	cmp al, [BUF2 + ecx]
	jne .differ_ok
	inc ecx
	cmp ecx, BUF_LEN
	jb .differ
	mov byte [fail_step], 5
	jmp fail
.differ_ok:

	; 6: neither is all zeros.
	mov esi, BUF1
	call all_zero
	check nz, 6
	mov esi, BUF2
	call all_zero
	check nz, 6

	mov esi, msg_ok
	call puts
	mov al, 0
	jmp exit

FAIL_STEP_ERROR_ROUTINE

; rng_request: ESI = a BUF_LEN-byte buffer, zeroed here, posted as one
; device-writable descriptor and waited for.  CF=0 when the used element
; is that chain with length BUF_LEN ("virtio-rng: used N" printed), else
; CF=1.  Clobbers EAX, ECX, EDX, EDI.
rng_request:
	xor ecx, ecx
.zero:
	mov byte [esi + ecx], 0
	inc ecx
	cmp ecx, BUF_LEN
	jb .zero
	mov [bufs], esi
	mov dword [bufs + 4], BUF_LEN
	mov dword [bufs + 8], VIRTQ_DESC_F_WRITE
	push esi
	mov esi, bufs
	mov ecx, 1
	mov edi, vq0
	call virtio_submit
	pop esi
	mov [head], eax
	mov ecx, POLLS
	call virtio_wait_used
	jc .done
	push esi
	mov esi, msg_used
	call puts
	pop esi
	push eax
	mov eax, edx
	call putdec
	mov al, 10
	call putc
	pop eax
	cmp eax, [head]
	jne .bad
	cmp edx, BUF_LEN
	jne .bad
	clc
	ret
.bad:
	stc
.done:
	ret

; all_zero: ZF=1 when the BUF_LEN bytes at ESI are all zero.  Clobbers
; EAX, ECX.
all_zero:
	xor ecx, ecx
	xor eax, eax
.byte:
	or al, [esi + ecx]
	inc ecx
	cmp ecx, BUF_LEN
	jb .byte
	test al, al
	ret

; show_buffer: ESI = the label, EDX = a buffer: its first 8 bytes as two
; little-endian dwords in hex.
show_buffer:
	call puts
	mov eax, [edx]
	call puthex
	mov al, ' '
	call putc
	mov eax, [edx + 4]
	call puthex
	mov al, 10
	call putc
	ret

DEBUGCON32_ROUTINES
PUTHEX_ROUTINE
VIRTIO_ROUTINES

msg_window	db "virtio-rng: window 0x", 0
msg_used	db "virtio-rng: used ", 0
msg_buffer1	db "virtio-rng: buffer 1 ", 0
msg_buffer2	db "virtio-rng: buffer 2 ", 0
msg_ok		db "virtio-rng: OK", 10, 0
msg_fail	db "virtio-rng: FAIL step ", 0
msg_error	db " error ", 0

align 4
head		dd 0
fail_err	dd 0
fail_step	db 0
align 4
bufs		times VIRTQ_BUF_SIZE db 0
vq0		times VQ_SIZEOF db 0
