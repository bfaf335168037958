// SPDX-License-Identifier: MIT
/*
 * elf64_hello - a static x86-64 ELF guest for modvmm's ELF64 loader.
 *
 * modvmm enters _start in long mode with RSP = 0x9fff0.  The guest prints
 * on COM1 (straight to the transmit register: modvmm's 8250 never makes
 * us wait), checks that initialised data has its value and bss is zero
 * (the loader copies p_filesz and zeroes the rest of p_memsz), and exits
 * through the debug exit port: 0 (status 1) if all is well, else 1
 * (status 3).
 */
#include <stdint.h>

#define COM1		0x3f8
#define EXIT_PORT	0xf4
#define BOOT_STACK_TOP	0x9fff0

/* volatile: the checks must read memory, not what the compiler knows. */
static volatile uint32_t data_word = 0x12345678;
static volatile uint8_t bss_block[4096];

void guest_main(uint64_t entry_rsp);

/* Keep the loader's stack: the call aligns it as the ABI wants. */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	call guest_main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n");

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static void put_str(const char *s)
{
	while (*s)
		outb(COM1, (uint8_t)*s++);
}

static void put_hex(uint64_t v)
{
	int shift;

	put_str("0x");
	for (shift = 60; shift >= 0; shift -= 4)
		outb(COM1, (uint8_t)"0123456789abcdef"[(v >> shift) & 0xf]);
}

static int bss_is_zero(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(bss_block); i++)
		if (bss_block[i])
			return 0;
	return 1;
}

void guest_main(uint64_t entry_rsp)
{
	uint16_t cs;
	int bad = 0;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	put_str("elf64: hello from long mode\n");
	put_str("elf64: cs ");
	put_hex(cs);
	put_str(" rsp ");
	put_hex(entry_rsp);
	put_str(entry_rsp == BOOT_STACK_TOP ? " (stack ok)\n" : " (stack unexpected)\n");
	if (data_word == 0x12345678) {
		put_str("elf64: data ok\n");
	} else {
		put_str("elf64: data wrong\n");
		bad = 1;
	}
	if (bss_is_zero()) {
		put_str("elf64: bss ok\n");
	} else {
		put_str("elf64: bss not zero\n");
		bad = 1;
	}
	outl(EXIT_PORT, bad);
}
