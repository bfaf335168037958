; SPDX-License-Identifier: MIT
;
; chaos_long - a hostile 64-bit guest for robustness testing; the long
; mode twin of chaos_real.asm (read that first).
;
; Every round: a random write and a random read (1, 2 or 4 bytes) at each
; of the 65536 I/O ports in a pseudo-random order, with a short "rep
; outs"/"rep ins" at one port in 32; MMIO_STEPS random writes and reads
; (1, 2, 4 or 8 bytes, any alignment) in the 3-4 GiB hole; and
; REGBANK_STEPS at random offsets of the first 512 bytes of the regbank
; example plugin's page at 0xd0000000.  Then 0x2a to the exit port:
; process status 85.
;
; Flat image for the core's long mode, which identity-maps 4 GiB:
;
;   modvmm -m 128M --mode long --nodefaults -d serial8250,out=null \
;          -d debugport,out=null -d pit8254 -d counter -d regbank \
;          build/guests/chaos_long.bin
;
; What it leaves alone, and why:
;   - ports 0xf4-0xf7, the exit port, until the end;
;   - 0xfebf0000-0xffffffff: KVM's in-kernel IOAPIC (0xfec00000) and
;     local APIC (0xfee00000) are not modvmm's bus, and random writes
;     there could send an NMI or INIT that ignores IF; KVM's private TSS
;     pages sit at 0xfffbc000;
;   - the regbank page outside REGBANK_STEPS, and its DMA engine: before
;     each random write the DMA address and length point at a 1 MiB
;     scratch area (at 64 MiB, hence -m 128M), so a random command byte
;     fills or reads only that.  No single access reaches both the DMA
;     address (0x10-0x17) and the command (0x20).
;
; Header as in chaos_real: "CHAO" at 4, rounds at 8, seed at 12.
; Registers in the hot loops: R12D xorshift state, R13W port, R14W step,
; ECX steps left.

	bits 64
	org 0x100000

%include "chaos.inc"

EXIT_LAST	equ 0xf7
EXIT_VALUE	equ 0x2a
INS_BUF		equ 0x200000	; rep ins lands in 0x200000-0x20ffff
STRING_MASK	equ 0x3e0000
MMIO_STEPS	equ 2048
HOLE_BASE	equ 0xc0000000
HOLE_AVOID	equ 0x3ebf0000	; HOLE_BASE + this = 0xfebf0000
REGBANK		equ 0xd0000000
REGBANK_STEPS	equ 512
RB_DMA_ADDR_LO	equ 0x10
RB_DMA_ADDR_HI	equ 0x14
RB_DMA_LEN	equ 0x18
DMA_SCRATCH	equ 0x4000000	; 64 MiB
DMA_SAFE_LEN	equ 0x1000

CHAOS_HEADER 3, 0x2545f491

main:
	cli
	cld
	xor ebx, ebx			; round number
.round:
	cmp ebx, [rel rounds]
	jae .done
	imul r12d, ebx, 0x9e3779b9	; a different stream per round
	xor r12d, [rel seed]
	jnz .seeded
	inc r12d			; xorshift must not start at 0
.seeded:
	push rbx
	call ports_round
	call mmio_round
	call regbank_round
	call pit_quiet
	pop rbx
	inc ebx
	jmp .round
.done:
	; The exit port, last: status (0x2a << 1) | 1 = 85.
	mov al, EXIT_VALUE
	out EXIT_PORT, al
	; Still running: the exit port is gone; status 0 shows it.
	cli
	hlt
	jmp .done

ports_round:
	XORSHIFT r12d
	mov r14d, r12d
	or r14d, 1
	XORSHIFT r12d
	mov r13d, r12d
	mov ecx, 0x10000
.next:
	XORSHIFT r12d
	movzx edx, r13w
	lea eax, [rdx - (EXIT_PORT - 3)]
	cmp eax, EXIT_LAST - (EXIT_PORT - 3) + 1
	jb .near_exit
	test r12d, STRING_MASK
	jz .string
	mov ebx, r12d
	and ebx, 15
	mov eax, r12d
	jmp [pair_table + rbx * 8]
.near_exit:
	; 0xf1-0xf3 take byte accesses only; 0xf4-0xf7 are skipped
	cmp edx, EXIT_PORT
	jae .step
	mov eax, r12d
	out dx, al
	in al, dx
	jmp .step
.string:
	call port_string
.step:
	add r13w, r14w
	dec ecx
	jnz .next
	ret

PORT_PAIRS dq

; port_string: "rep outs" then "rep ins" of 1-16 elements at port DX.
; The source is anywhere in the 64 KiB from this image's start; the
; destination the ins buffer.
port_string:
	push rcx
	mov ecx, r12d
	shr ecx, 24
	and ecx, 15
	inc ecx
	mov r8d, ecx
	mov eax, r12d
	and eax, 0xff00
	lea rdi, [rax + INS_BUF]
	mov esi, r12d
	shr esi, 8
	and esi, 0xff00
	add rsi, start
	test eax, 0x0300
	jz .w
	test eax, 0x0400
	jz .d
	rep outsb
	mov ecx, r8d
	rep insb
	jmp .out
.w:	rep outsw
	mov ecx, r8d
	rep insw
	jmp .out
.d:	rep outsd
	mov ecx, r8d
	rep insd
.out:
	pop rcx
	ret

; MMIO_STEPS accesses at random addresses of 0xc0000000-0xfebeffff,
; except the two pages around the regbank.
mmio_round:
	mov ecx, MMIO_STEPS
.next:
	XORSHIFT r12d
	mov edi, r12d
	and edi, 0x3fffffff
	cmp edi, HOLE_AVOID
	jb .in
	sub edi, HOLE_AVOID
.in:
	add edi, HOLE_BASE		; zero-extends into RDI
	mov eax, edi
	shr eax, 12
	cmp eax, (REGBANK >> 12) - 1
	je .step
	cmp eax, REGBANK >> 12
	je .step
	XORSHIFT r12d
	mov ebx, r12d
	and ebx, 15
	mov rax, r12
	shl rax, 32
	or rax, r12
	jmp [mmio_table + rbx * 8]
.step:
	dec ecx
	jnz .next
	ret

; REGBANK_STEPS random accesses at the regbank's first 512 bytes (its
; registers, bank and unclaimed bytes after it).
regbank_round:
	mov ecx, REGBANK_STEPS
	mov ebp, REGBANK		; a disp32 would sign-extend it
.next:
	mov dword [rbp + RB_DMA_ADDR_LO], DMA_SCRATCH
	mov dword [rbp + RB_DMA_ADDR_HI], 0
	mov dword [rbp + RB_DMA_LEN], DMA_SAFE_LEN
	XORSHIFT r12d
	mov edi, r12d
	shr edi, 8
	and edi, 0x1ff
	add rdi, rbp
	XORSHIFT r12d
	mov ebx, r12d
	and ebx, 15
	mov rax, r12
	shl rax, 32
	or rax, r12
	jmp [regbank_table + rbx * 8]
.step:
	dec ecx
	jnz .next
	ret

; Write then read at RDI, sizes 1 << (i & 3) and 1 << (i >> 2).
%macro MOVW 1
%if %1 == 0
	mov [rdi], al
%elif %1 == 1
	mov [rdi], ax
%elif %1 == 2
	mov [rdi], eax
%else
	mov [rdi], rax
%endif
%endmacro
%macro MOVR 1
%if %1 == 0
	mov al, [rdi]
%elif %1 == 1
	mov ax, [rdi]
%elif %1 == 2
	mov eax, [rdi]
%else
	mov rax, [rdi]
%endif
%endmacro

%assign i 0
%rep 16
mmio_ %+ i:
	MOVW (i & 3)
	MOVR (i >> 2)
	jmp mmio_round.step
regbank_ %+ i:
	MOVW (i & 3)
	MOVR (i >> 2)
	jmp regbank_round.step
%assign i i + 1
%endrep

	align 8
mmio_table:
%assign i 0
%rep 16
	dq mmio_ %+ i
%assign i i + 1
%endrep
regbank_table:
%assign i 0
%rep 16
	dq regbank_ %+ i
%assign i i + 1
%endrep

PIT_QUIET_ROUTINE
