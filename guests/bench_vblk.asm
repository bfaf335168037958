; SPDX-License-Identifier: MIT
;
; bench_vblk - virtio-blk benchmark guest (make bench): N reads of 4 KiB
; through the first virtio-blk device, up to QD of them in flight, then 0
; to the exit port (status 1).  bench/run-bench takes the cost of one
; request as (time(N) - time(0)) / N and runs the same bytes under
; modvmm and QEMU's microvm, on the same raw image:
;
;   nasm -f bin -DN=20000 -o vblk-20000.bin guests/bench_vblk.asm
;   modvmm -d virtio-blk,file=IMG vblk-20000.bin
;   (QEMU: bench/bios.asm around it, -M microvm, see bench/README.md)
;
; Like bench_mmio it starts in real mode at CS:IP 0:0 (modvmm) or f000:0
; (QEMU -bios), switches to flat 32-bit protected mode and finds its base
; from CS; every variable lives in RAM at 1 MiB, never in the image (ROM
; under QEMU).  The device is found by scanning virtio-mmio windows for
; the magic and device ID 2: modvmm's at 0xd0000000, QEMU microvm's at
; 0xfeb00000, 0x200 apart.  It is driven with guests/virtio.inc
; (virtio_init, virtio_queue_init, virtio_driver_ok); the requests are
; this guest's own, because a benchmark must not touch a register while
; it waits:
;
; - queue 0 with 128 entries; request slot k (k < QD) owns descriptors
;   3k (the 16-byte header), 3k+1 (4 KiB of data, device-writable) and
;   3k+2 (the status byte), written once, so that completions in any
;   order are fine;
; - completions are found by reading the used index in RAM (with pause),
;   never InterruptStatus; interrupts stay off and are never acknowledged;
; - each completion checks its status byte and, while fewer than N were
;   submitted, puts its slot back with the next sector (4 KiB steps,
;   wrapping at the capacity); a batch of completions is published with
;   one avail index store and one QueueNotify, which is skipped when the
;   device set VIRTQ_USED_F_NO_NOTIFY (as a driver without EVENT_IDX
;   does).  So the only exits while reading are the notifies.
;
; Exit status (v << 1) | 1: v = 0 done, 2 no virtio-blk device, 3 the
; device refused initialisation, 4 queue 0 too small, 5 a used element
; with a bad id, 6 a request failed (status byte not 0), 7 no completion
; for about 2^30 polls, 8 capacity below 4 KiB.

bits 16
org 0

%include "virtio.inc"

%ifndef N
%define N 10000
%endif
%ifndef QD
%define QD 42			; requests in flight: 128 / 3 descriptors
%endif

QUEUE_SIZE	equ 128
%if QD * 3 > QUEUE_SIZE || QD < 1
%error QD must be 1 to 42
%endif

EXIT_PORT	equ 0xf4
SEL_CODE	equ 0x08
SEL_DATA	equ 0x10
VIRTIO_ID_BLOCK	equ 2
T_IN		equ 0
BLOCK		equ 4096
USED_F_NO_NOTIFY equ 1
POLLS		equ 1 << 30

; RAM at 1 MiB (modvmm's and QEMU's 128 MiB both have it).
VARS		equ 0x100000	; struct vq, then the counters
V_SUBMITTED	equ VARS + 64	; requests submitted
V_DONE		equ VARS + 68	; requests completed
V_SECTOR	equ VARS + 72	; the next request's sector
V_CAP		equ VARS + 76	; capacity in sectors (low dword)
V_PUBLISHED	equ VARS + 80	; the avail index the device was told of
RINGS		equ 0x102000	; 8 KiB, 4 KiB aligned: queue 0
HDRS		equ 0x104000	; QD headers of 16 bytes
STATS		equ 0x105000	; QD status bytes
DATA		equ 0x200000	; QD blocks of 4 KiB

start:
	cli
	cld
	mov ax, 0x9000
	mov ss, ax
	mov sp, 0xfff0
	xor ebx, ebx
	mov bx, cs
	shl ebx, 4		; linear address of this image

	lea eax, [ebx + gdt]
	push eax		; GDTR: base (dword), then limit (word)
	push word gdt_end - gdt - 1
	mov bp, sp
	o32 lgdt [ss:bp]
	add sp, 6

	lea eax, [ebx + pm32]
	push dword SEL_CODE
	push eax
	mov eax, cr0
	or al, 1		; PE
	mov cr0, eax
	o32 retf		; to pm32, CS = SEL_CODE

bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x9fff0

	; Find the device: modvmm's windows, then QEMU microvm's.
	mov ebx, VIRTIO_DEFAULT_BASE
	mov ecx, 8
	call scan
	jz .found
	mov ebx, 0xfeb00000
	mov ecx, 32
	call scan
	jz .found
	mov al, 2
	jmp exit
.found:
	mov eax, VIRTIO_ID_BLOCK
	xor edx, edx			; no optional features
	call virtio_init
	mov al, 3
	jc exit
	mov edi, VARS
	xor eax, eax
	mov ecx, QUEUE_SIZE
	mov edx, RINGS
	call virtio_queue_init
	mov al, 4
	jc exit
	call virtio_driver_ok
	mov eax, [ebx + VIRTIO_CONFIG]	; capacity, low dword
	mov [V_CAP], eax
	cmp eax, BLOCK / 512
	mov al, 8
	jb exit

	; The descriptors of each slot, once.
	mov esi, [edi + VQ_DESC]
	xor ecx, ecx			; slot
.desc:
	lea edx, [ecx * 2 + ecx]	; 3k
	mov eax, edx
	shl eax, 4
	add eax, esi			; &desc[3k]
	mov ebp, ecx
	shl ebp, 4
	add ebp, HDRS
	mov [eax], ebp			; header
	mov dword [eax + 4], 0
	mov dword [eax + 8], 16
	lea ebp, [edx + 1]
	shl ebp, 16
	or ebp, VIRTQ_DESC_F_NEXT
	mov [eax + 12], ebp
	mov ebp, ecx
	shl ebp, 12
	add ebp, DATA
	mov [eax + 16], ebp		; data
	mov dword [eax + 20], 0
	mov dword [eax + 24], BLOCK
	lea ebp, [edx + 2]
	shl ebp, 16
	or ebp, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE
	mov [eax + 28], ebp
	lea ebp, [ecx + STATS]
	mov [eax + 32], ebp		; status
	mov dword [eax + 36], 0
	mov dword [eax + 40], 1
	mov dword [eax + 44], VIRTQ_DESC_F_WRITE
	inc ecx
	cmp ecx, QD
	jb .desc

	xor eax, eax
	mov [V_SUBMITTED], eax
	mov [V_DONE], eax
	mov [V_SECTOR], eax
	mov [V_PUBLISHED], eax
	mov ecx, N
	test ecx, ecx
	jz .done

	; Fill the queue: slots 0 .. min(QD, N) - 1.
	xor esi, esi
.fill:
	call submit
	inc esi
	cmp esi, QD
	jae .filled
	cmp esi, N
	jb .fill
.filled:
	call publish

	; Wait for used elements, recycle their slots, publish the batch.
.wait:
	mov esi, [edi + VQ_USED]
	mov ecx, POLLS
.poll:
	movzx eax, word [esi + 2]
	cmp eax, [edi + VQ_USED_SEEN]
	jne .got
	pause
	dec ecx
	jnz .poll
	mov al, 7
	jmp exit
.got:
	mov edx, [edi + VQ_USED_SEEN]
	mov ecx, edx
	and ecx, QUEUE_SIZE - 1
	mov eax, [esi + 4 + ecx * 8]	; id: the head, 3k
	inc edx
	and edx, 0xffff
	mov [edi + VQ_USED_SEEN], edx
	xor edx, edx
	mov ecx, 3
	div ecx
	test edx, edx
	jnz .bad_id
	cmp eax, QD
	jae .bad_id
	cmp byte [STATS + eax], 0
	jne .failed
	inc dword [V_DONE]
	cmp dword [V_SUBMITTED], N
	jae .next
	mov esi, eax
	call submit
	mov esi, [edi + VQ_USED]
.next:
	movzx eax, word [esi + 2]
	cmp eax, [edi + VQ_USED_SEEN]
	jne .got			; more in this batch
	call publish
	cmp dword [V_DONE], N
	jb .wait
.done:
	xor al, al
	jmp exit
.bad_id:
	mov al, 5
	jmp exit
.failed:
	mov al, 6
	; fall through

exit:
	out EXIT_PORT, al
	cli
	hlt

; scan: EBX = the first window, ECX = windows.  ZF=1 with EBX = the
; first virtio-blk window, else ZF=0.  Clobbers EAX, ECX.
scan:
	cmp dword [ebx + VIRTIO_MAGIC], VIRTIO_MAGIC_VALUE
	jne .next
	cmp dword [ebx + VIRTIO_DEVICE_ID], VIRTIO_ID_BLOCK
	je .out
.next:
	add ebx, 0x200
	dec ecx
	jnz scan
	or ecx, 1			; ZF=0
.out:
	ret

; submit: ESI = slot.  Its header gets the next sector, its status byte
; 0xff, and its head goes in the available ring (not yet published).
; Clobbers EAX, ECX, EDX.
submit:
	mov edx, esi
	shl edx, 4
	add edx, HDRS
	mov dword [edx], T_IN
	mov dword [edx + 4], 0
	mov eax, [V_SECTOR]
	mov [edx + 8], eax
	mov dword [edx + 12], 0
	add eax, BLOCK / 512		; the next one, wrapping
	lea ecx, [eax + BLOCK / 512]
	cmp ecx, [V_CAP]
	jbe .keep
	xor eax, eax
.keep:
	mov [V_SECTOR], eax
	mov byte [STATS + esi], 0xff
	lea eax, [esi * 2 + esi]	; the head
	mov edx, [edi + VQ_AVAIL_IDX]
	mov ecx, edx
	and ecx, QUEUE_SIZE - 1
	push ebx
	mov ebx, [edi + VQ_AVAIL]
	mov [ebx + 4 + ecx * 2], ax	; ring[idx % size] = head
	pop ebx
	inc edx
	and edx, 0xffff
	mov [edi + VQ_AVAIL_IDX], edx
	inc dword [V_SUBMITTED]
	ret

; publish: makes the new ring entries available and notifies queue 0,
; unless the device asked not to be (VIRTQ_USED_F_NO_NOTIFY) or nothing
; is new.  Clobbers EAX, EDX.
publish:
	mov eax, [edi + VQ_AVAIL_IDX]
	cmp eax, [V_PUBLISHED]
	je .out
	mov [V_PUBLISHED], eax
	mov edx, [edi + VQ_AVAIL]
	mov [edx + 2], ax		; idx, after the ring entries
	mfence				; the idx store before the flags load
	mov edx, [edi + VQ_USED]
	test word [edx], USED_F_NO_NOTIFY
	jnz .out
	mov dword [ebx + VIRTIO_QUEUE_NOTIFY], 0
.out:
	ret

VIRTIO_ROUTINES

align 8
gdt:
	dq 0
	dq 0x00cf9b000000ffff	; 0x08: 32-bit code, flat, accessed
	dq 0x00cf93000000ffff	; 0x10: data, flat, accessed
gdt_end:
