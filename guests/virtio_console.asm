; SPDX-License-Identifier: MIT
;
; virtio_console - output and input through the virtio-console device
; (devices/virtio_console.c) with the driver of virtio.inc:
;
;   modvmm --mode protected -d virtio-console,in=FILE \
;          build/guests/virtio_console.bin
;
; Flat 32-bit image.  The dword at offset 8 is the device's virtio-mmio
; window (default 0xd0000000, the first virtio device's); tests patch it
; to drive a device in another window.  Queue 0 is the receiveq (host to
; guest), queue 1 the transmitq.  Steps:
;
;  1. initialise the device (ID 3, no feature bits);
;  2. set up both queues and DRIVER_OK;
;  3. transmit "hello from virtio-console\n" as one chain of one buffer;
;  4. transmit "second chain: two buffers\n" as one chain of two buffers
;     ("second chain: ", "two buffers\n"); each chain must come back used;
;  5. receive: post 64-byte buffers one at a time into a 256-byte area,
;     each waited for a bounded time, until a newline arrives, the area
;     is full or nothing more comes (after some bytes: go on; before any:
;     print "virtio-console: no input" and exit 2, status 5);
;  6. transmit "got: " and the bytes received, one chain of two buffers;
;     print "virtio-console: OK" and exit 0 (status 1).
;
; Progress goes to the debug console (port 0xe9, modvmm's stderr):
; "virtio-console: window 0xd0000000", "virtio-console: sent 2 chains",
; "virtio-console: received N bytes"; a failed step prints
; "virtio-console: FAIL step S error E" (E: the driver's VIRTIO_ERR_*
; code, or 0) and exits 1 (status 3).  Needs the debug port (debugport
; device) and RAM up to 0x80000.

bits 32
org 0x100000

%include "pc32.inc"
%include "virtio.inc"

%define CHECK_REG byte [fail_step]	; for check (pc.inc)

VIRTIO_ID_CONSOLE equ 3

RX_RINGS	equ 0x20000	; 8 KiB: queue 0, the receiveq
TX_RINGS	equ 0x22000	; 8 KiB: queue 1, the transmitq
RXBUF		equ 0x30000	; what is received
RX_AREA		equ 256
RX_CHUNK	equ 64		; one posted buffer
RX_MAX_BUFS	equ RX_AREA / RX_CHUNK
QUEUE_SIZE	equ 8
POLLS		equ 2000000	; InterruptStatus reads: seconds, at worst
RX_POLLS	equ 200000	; waiting for input that may never come

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

	; 1, 2: the device and its queues.
	mov ebx, [window]
	mov eax, VIRTIO_ID_CONSOLE
	xor edx, edx
	call virtio_init
	mov [fail_err], eax
	check nc, 1
	mov edi, rxq
	xor eax, eax
	mov ecx, QUEUE_SIZE
	mov edx, RX_RINGS
	call virtio_queue_init
	mov [fail_err], eax
	check nc, 2
	mov edi, txq
	mov eax, 1
	mov ecx, QUEUE_SIZE
	mov edx, TX_RINGS
	call virtio_queue_init
	mov [fail_err], eax
	check nc, 2
	mov dword [fail_err], 0
	call virtio_driver_ok

	; 3: one chain of one buffer.
	mov dword [bufs], msg_hello
	mov dword [bufs + 4], msg_hello_len
	mov dword [bufs + 8], 0
	mov ecx, 1
	call transmit
	check nc, 3

	; 4: one chain of two buffers.
	mov dword [bufs], msg_second1
	mov dword [bufs + 4], msg_second1_len
	mov dword [bufs + 8], 0
	mov dword [bufs + 12], msg_second2
	mov dword [bufs + 16], msg_second2_len
	mov dword [bufs + 20], 0
	mov ecx, 2
	call transmit
	check nc, 4
	mov esi, msg_sent
	call puts

	; 5: receive until a newline, a full area or silence.
	xor ecx, ecx
.clear:
	mov dword [RXBUF + ecx * 4], 0
	inc ecx
	cmp ecx, RX_AREA / 4
	jb .clear
	mov dword [received], 0
	mov dword [rx_posts], 0
.post:
	mov eax, [received]
	add eax, RXBUF
	mov [bufs], eax
	mov dword [bufs + 4], RX_CHUNK
	mov dword [bufs + 8], VIRTQ_DESC_F_WRITE
	mov esi, bufs
	mov ecx, 1
	mov edi, rxq
	call virtio_submit
	mov [head], eax
	inc dword [rx_posts]
	mov ecx, RX_POLLS
	call virtio_wait_used
	jc .silence
	cmp eax, [head]
	check e, 5
	cmp edx, RX_CHUNK
	check be, 5
	; a newline among the new bytes ends the line
	mov esi, [received]
	add [received], edx
.scan:
	cmp esi, [received]
	jae .scanned
	cmp byte [RXBUF + esi], 10
	je .received
	inc esi
	jmp .scan
.scanned:
	cmp dword [rx_posts], RX_MAX_BUFS
	jb .post
	jmp .received
.silence:
	; The buffer posted last stays with the device, unused: harmless,
	; nothing is posted after it on the receiveq.
	cmp dword [received], 0
	jne .received
	mov esi, msg_no_input
	call puts
	mov al, 2
	jmp exit
.received:
	mov esi, msg_received
	call puts
	mov eax, [received]
	call putdec
	mov esi, msg_bytes
	call puts

	; 6: echo it back, prefixed.
	mov dword [bufs], msg_got
	mov dword [bufs + 4], msg_got_len
	mov dword [bufs + 8], 0
	mov dword [bufs + 12], RXBUF
	mov eax, [received]
	mov [bufs + 16], eax
	mov dword [bufs + 20], 0
	mov ecx, 2
	call transmit
	check nc, 6

	mov esi, msg_ok
	call puts
	mov al, 0
	jmp exit

FAIL_STEP_ERROR_ROUTINE

; transmit: the ECX buffers at bufs as one chain on the transmitq, waited
; for.  CF=0 when that chain came back used, else CF=1.  Clobbers EAX,
; ECX, EDX, ESI, EDI.
transmit:
	mov esi, bufs
	mov edi, txq
	call virtio_submit
	mov [head], eax
	mov ecx, POLLS
	call virtio_wait_used
	jc .done
	cmp eax, [head]
	je .done			; CF=0 from cmp when equal
	stc
.done:
	ret

DEBUGCON32_ROUTINES
PUTHEX_ROUTINE
VIRTIO_ROUTINES

msg_hello	db "hello from virtio-console", 10
msg_hello_len	equ $ - msg_hello
msg_second1	db "second chain: "
msg_second1_len	equ $ - msg_second1
msg_second2	db "two buffers", 10
msg_second2_len	equ $ - msg_second2
msg_got		db "got: "
msg_got_len	equ $ - msg_got

msg_window	db "virtio-console: window 0x", 0
msg_sent	db "virtio-console: sent 2 chains", 10, 0
msg_received	db "virtio-console: received ", 0
msg_bytes	db " bytes", 10, 0
msg_no_input	db "virtio-console: no input", 10, 0
msg_ok		db "virtio-console: OK", 10, 0
msg_fail	db "virtio-console: FAIL step ", 0
msg_error	db " error ", 0

align 4
head		dd 0
received	dd 0
rx_posts	dd 0
fail_err	dd 0
fail_step	db 0
align 4
bufs		times 2 * VIRTQ_BUF_SIZE db 0
rxq		times VQ_SIZEOF db 0
txq		times VQ_SIZEOF db 0
