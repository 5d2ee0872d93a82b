// Scalar stand-ins for the AVX-512 intrinsics IntegerGEMM.c uses, written from their definitions.
#include <stdint.h>
#include <string.h>
typedef struct { int32_t v[16]; } emu512;
static emu512 emu_mm512_setzero_si512(void){ emu512 r; memset(&r,0,sizeof r); return r; }
static emu512 emu_mm512_set1_epi32(int x){ emu512 r; for(int i=0;i<16;i++) r.v[i]=x; return r; }
static emu512 emu_mm512_loadu_si512(const void*p){ emu512 r; memcpy(&r,p,64); return r; }
static void emu_mm512_storeu_si512(void*p, emu512 a){ memcpy(p,&a,64); }
static emu512 emu_mm512_add_epi32(emu512 a, emu512 b){ for(int i=0;i<16;i++) a.v[i]=(int32_t)((uint32_t)a.v[i]+(uint32_t)b.v[i]); return a; }
static emu512 emu_mm512_sub_epi32(emu512 a, emu512 b){ for(int i=0;i<16;i++) a.v[i]=(int32_t)((uint32_t)a.v[i]-(uint32_t)b.v[i]); return a; }
/* VPDPBUSD: per lane, 4 products of unsigned bytes of a and signed bytes of b, summed into src (wrapping). */
static emu512 emu_mm512_dpbusd_epi32(emu512 src, emu512 a, emu512 b){
  for(int i=0;i<16;i++){ uint32_t s=(uint32_t)src.v[i]; for(int t=0;t<4;t++){ uint8_t x=((uint8_t*)&a.v[i])[t]; int8_t y=((int8_t*)&b.v[i])[t]; s+=(uint32_t)((int32_t)x*(int32_t)y);} src.v[i]=(int32_t)s; }
  return src; }
