; SPDX-License-Identifier: MIT
;
; virtio_blk - a round trip through the virtio-blk device (devices/
; virtio_blk.c) with the driver of virtio.inc:
;
;   modvmm --mode protected -d virtio-blk,file=IMG build/guests/virtio_blk.bin
;
; Flat 32-bit image (the window at 0xd0000000 is out of real mode's
; reach); the device must be the machine's first virtio device.  Steps:
;
;  1. initialise the device (accepting FLUSH) and queue 0;
;  2. read sector 0, the control sector: when it starts with "VBLKTEST",
;     the dword after it is the sector N to write (else 5) and the next
;     dword the mode (1: wait forever after the flush; else go on);
;  3. GET_ID, printed as "virtio-blk: id SERIAL";
;  4. write a pattern (16 lines "modvmm virtio-blk test pattern!\n") to
;     sector N and flush, then print "virtio-blk: flushed";
;  5. in mode 1, print "virtio-blk: waiting" and spin (the test kills
;     modvmm here and checks that the pattern is in the image);
;  6. read sector N back, compare, print "virtio-blk: OK" and exit 0
;     (status 1), or "virtio-blk: FAIL step S" and exit 1 (status 3).
;
; Needs the default machine (COM1 for output, the exit port), and RAM up
; to 0x40000 below the image.

bits 32
org 0x100000

%include "pc32.inc"
%include "virtio.inc"

%define CHECK_REG byte [fail_step]	; for check (pc.inc); EBX is the window

VIRTIO_ID_BLOCK	equ 2
VIRTIO_BLK_F_FLUSH equ 9

T_IN		equ 0
T_OUT		equ 1
T_FLUSH		equ 4
T_GET_ID	equ 8

RINGS		equ 0x20000	; 8 KiB: queue 0
HDR		equ 0x30000	; struct virtio_blk_req header, 16 bytes
STATUS_BYTE	equ 0x30010
CTL		equ 0x31000	; sector 0
DATA		equ 0x32000	; the pattern
BACK		equ 0x33000	; what is read back
IDBUF		equ 0x34000	; 20 bytes and a NUL
SECTOR		equ 512
QUEUE_SIZE	equ 8
POLLS		equ 2000000	; InterruptStatus reads: seconds, at worst
DEFAULT_SECTOR	equ 5

start:
	cli
	cld
	mov esp, 0x80000

	; 1: the device and its queue.
	mov ebx, VIRTIO_DEFAULT_BASE
	mov eax, VIRTIO_ID_BLOCK
	mov edx, 1 << VIRTIO_BLK_F_FLUSH
	call virtio_init
	check nc, 1
	mov edi, vq0
	xor eax, eax
	mov ecx, QUEUE_SIZE
	mov edx, RINGS
	call virtio_queue_init
	check nc, 1
	call virtio_driver_ok
	mov esi, msg_capacity
	call puts
	mov eax, [ebx + VIRTIO_CONFIG]	; capacity, low half
	mov [capacity], eax
	call putdec
	mov al, 10
	call putc

	; 2: the control sector.
	mov eax, T_IN
	xor edx, edx
	mov esi, CTL
	mov ecx, SECTOR
	mov ebp, VIRTQ_DESC_F_WRITE
	call blk_request
	check nc, 2
	cmp al, 0
	check e, 2
	mov dword [sector], DEFAULT_SECTOR
	mov dword [mode], 0
	cmp dword [CTL], 'VBLK'
	jne .no_ctl
	cmp dword [CTL + 4], 'TEST'
	jne .no_ctl
	mov eax, [CTL + 8]
	mov [sector], eax
	mov eax, [CTL + 12]
	mov [mode], eax
.no_ctl:
	mov eax, [sector]
	cmp eax, [capacity]
	check b, 2
	test eax, eax
	check nz, 2			; sector 0 is the control sector

	; 3: the serial.
	mov edi, IDBUF
	xor ecx, ecx
.clear_id:
	mov dword [edi + ecx * 4], 0
	inc ecx
	cmp ecx, 6
	jb .clear_id
	mov edi, vq0
	mov eax, T_GET_ID
	xor edx, edx
	mov esi, IDBUF
	mov ecx, 20
	mov ebp, VIRTQ_DESC_F_WRITE
	call blk_request
	check nc, 3
	cmp al, 0
	check e, 3
	mov esi, msg_id
	call puts
	mov esi, IDBUF
	call puts
	mov al, 10
	call putc

	; 4: write the pattern to sector N, flush.
	xor ecx, ecx
.fill:
	mov eax, ecx
	and eax, 31
	mov al, [pattern + eax]
	mov [DATA + ecx], al
	inc ecx
	cmp ecx, SECTOR
	jb .fill
	mov eax, T_OUT
	mov edx, [sector]
	mov esi, DATA
	mov ecx, SECTOR
	xor ebp, ebp
	call blk_request
	check nc, 4
	cmp al, 0
	check e, 4
	mov eax, T_FLUSH
	xor edx, edx
	xor esi, esi
	xor ecx, ecx
	call blk_request
	check nc, 4
	cmp al, 0
	check e, 4
	mov esi, msg_flushed
	call puts

	; 5: wait here for the kill.
	cmp dword [mode], 1
	jne .read_back
	mov esi, msg_waiting
	call puts
.spin:
	pause
	jmp .spin

	; 6: read it back and compare.
.read_back:
	mov eax, T_IN
	mov edx, [sector]
	mov esi, BACK
	mov ecx, SECTOR
	mov ebp, VIRTQ_DESC_F_WRITE
	call blk_request
	check nc, 6
	cmp al, 0
	check e, 6
	xor ecx, ecx
.compare:
	mov al, [BACK + ecx]
	cmp al, [DATA + ecx]
	check e, 6
	inc ecx
	cmp ecx, SECTOR
	jb .compare
	mov esi, msg_ok
	call puts
	mov al, 0
	jmp exit

fail:
	mov esi, msg_fail
	call puts
	movzx eax, byte [fail_step]
	call putdec
	mov al, 10
	call putc
	mov al, 1
	jmp exit

; blk_request: one request, waited for.  EAX = type, EDX = sector,
; ESI = data buffer and ECX its length (0: none), EBP = its flags (0, or
; VIRTQ_DESC_F_WRITE when the device writes it).  Returns CF=1 if it
; never completed, else AL = the status byte.  Clobbers EAX-EDX, ESI.
blk_request:
	push edi
	mov [HDR], eax
	mov dword [HDR + 4], 0
	mov [HDR + 8], edx
	mov dword [HDR + 12], 0
	mov byte [STATUS_BYTE], 0xff
	mov edi, bufs
	mov dword [edi], HDR
	mov dword [edi + 4], 16
	mov dword [edi + 8], 0
	add edi, VIRTQ_BUF_SIZE
	test ecx, ecx
	jz .status
	mov [edi], esi
	mov [edi + 4], ecx
	mov [edi + 8], ebp
	add edi, VIRTQ_BUF_SIZE
.status:
	mov dword [edi], STATUS_BYTE
	mov dword [edi + 4], 1
	mov dword [edi + 8], VIRTQ_DESC_F_WRITE
	add edi, VIRTQ_BUF_SIZE
	sub edi, bufs
	mov eax, edi
	xor edx, edx
	mov ecx, VIRTQ_BUF_SIZE
	div ecx
	mov ecx, eax			; buffers
	mov esi, bufs
	mov edi, vq0
	call virtio_submit
	mov ecx, POLLS
	call virtio_wait_used
	jc .done
	mov al, [STATUS_BYTE]
	clc
.done:
	pop edi
	ret

COM1_ROUTINES
VIRTIO_ROUTINES

msg_capacity	db "virtio-blk: capacity ", 0
msg_id		db "virtio-blk: id ", 0
msg_flushed	db "virtio-blk: flushed", 10, 0
msg_waiting	db "virtio-blk: waiting", 10, 0
msg_ok		db "virtio-blk: OK", 10, 0
msg_fail	db "virtio-blk: FAIL step ", 0
pattern		db "modvmm virtio-blk test pattern!", 10

align 4
capacity	dd 0
sector		dd 0
mode		dd 0
fail_step	db 0
bufs		times 3 * VIRTQ_BUF_SIZE db 0
vq0		times VQ_SIZEOF db 0
