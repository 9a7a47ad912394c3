// attention.cuh: what the attention kernels (attention_decode.cu, attention_prefill.cu, attention_flash.cu) share,
// each compiled for one head width (-DHEAD_DIM=...).
//
// Layouts: q, out [rows, heads·HEAD_DIM]; kCache, vCache (one layer) [batch, maxSeq, kvHeads·HEAD_DIM];
// query head h reads KV head h / (heads / kvHeads). Scores use exp2 with the scale pre-multiplied by log2(e).
#pragma once
#include "common.cuh"

#ifndef HEAD_DIM
#error "compile with -DHEAD_DIM=<head width>"
#endif
