// Copyright 2026 The Cohesix Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

#include "textflag.h"

// The loader enters here. The board's cpuinit (assembly in the board
// package, see hooks_cohesix.go) prepares the CPU and continues at
// _rt0_cohesix_start.
TEXT _rt0_arm64_cohesix(SB),NOSPLIT|NOFRAME,$0
	B	cpuinit(SB)

// _rt0_cohesix_start runs with SP on the boot stack, FP/SIMD enabled and
// memory mapped. There are no arguments and no environment.
TEXT _rt0_cohesix_start(SB),NOSPLIT|NOFRAME,$0
	MOVD	$0, R0
	MOVD	$cohesix_argv<>(SB), R1
	B	runtime·rt0_go(SB)

// argv[0] = nil, envp[0] = nil, auxv = {0, 0}.
DATA cohesix_argv<>+0(SB)/8, $0
DATA cohesix_argv<>+8(SB)/8, $0
DATA cohesix_argv<>+16(SB)/8, $0
DATA cohesix_argv<>+24(SB)/8, $0
GLOBL cohesix_argv<>(SB), NOPTR, $32
