// zkinfer's CUDA kernels for the MSM/NTT engine seam, written against sppark 0.1.16's headers
// (crate `sppark`, pinned `=0.1.16`; Apache-2.0) for BN254 ("alt_bn128"), built by build.rs
// with -DFEATURE_BN254.
//
// What lives here:
// - resident G1 and G2 MSMs: sppark `msm_t` objects built once from a proving-key query (the
//   constructor uploads the bases), then invoked with host scalars and the points already on the
//   device (the explicit `nullptr` points form: the `slice_t` overload of `invoke` does not
//   compile in 0.1.16);
// - power-of-two NTTs, forward and inverse, on the subgroup or the standard coset (generator 5,
//   arkworks' `Fr::GENERATOR`), natural order in and out, and the fused subgroup-to-coset
//   extension of the QAP witness map;
// - device probes: GPU count, properties, driver version.
//
// The ABI (mirrored in src/ffi.rs; layouts asserted on both sides):
// - affine points: sppark's host `Affine_inf_t` = { X, Y in Montgomery form; bool inf },
//   72 bytes in G1 and 136 in G2 (Fq2 = c0, c1);
// - results: `jacobian_t` = { X, Y, Z } in Montgomery form, Z = 0 at infinity (96 / 192 bytes);
// - scalars: `fr_t`, 4 little-endian 64-bit limbs in Montgomery form (`mont = true`), which is
//   how arkworks holds `Fr`.
// Every entry point catches C++ exceptions (sppark throws `cuda_error`) and returns a RustError
// whose message Rust frees; no exception crosses the FFI boundary.

#include <cuda.h>
#include <cstring>
#include <exception>
#include <new>

#include <ff/alt_bn128-fp2.hpp>
#include <ec/jacobian_t.hpp>
#include <ec/xyzz_t.hpp>

typedef jacobian_t<fp_t> point_t;
typedef xyzz_t<fp_t> bucket_t;
typedef bucket_t::affine_inf_t affine_t;
typedef jacobian_t<fp2_t> point_fp2_t;
typedef xyzz_t<fp2_t> bucket_fp2_t;
typedef bucket_fp2_t::affine_inf_t affine_fp2_t;
typedef fr_t scalar_t;

#include <msm/pippenger.cuh>
#include <ntt/ntt.cuh>

#ifndef __CUDA_ARCH__
static_assert(sizeof(affine_t) == 72, "G1 Affine_inf_t layout changed (sppark version?)");
static_assert(sizeof(affine_fp2_t) == 136, "G2 Affine_inf_t layout changed (sppark version?)");
static_assert(sizeof(point_t) == 96, "G1 jacobian_t layout changed");
static_assert(sizeof(point_fp2_t) == 192, "G2 jacobian_t layout changed");
static_assert(sizeof(scalar_t) == 32, "fr_t layout changed");
#endif

typedef msm_t<bucket_t, point_t, affine_t, scalar_t> msm_g1_t;
typedef msm_t<bucket_fp2_t, point_fp2_t, affine_fp2_t, scalar_t> msm_g2_t;

// The one GPU the engine uses (sppark's numbering: the first usable device).
static const int DEVICE_ID = 0;

// A resident MSM: sppark's object plus the number of bases it holds.
template<class msm_type>
struct resident_msm_t {
    msm_type msm;
    size_t npoints;

    template<class affine_type>
    resident_msm_t(const affine_type* points, size_t n)
        : msm(points, n, sizeof(affine_type), DEVICE_ID), npoints(n) {}
};

typedef resident_msm_t<msm_g1_t> zkinfer_msm_g1_t;
typedef resident_msm_t<msm_g2_t> zkinfer_msm_g2_t;

// What the Rust side learns about device 0.
struct zkinfer_device_props_t {
    char name[256];
    size_t total_mem;
    int sm_count;
    int major;
    int minor;
};

static RustError::by_value error_from(const cuda_error& e)
{   return RustError{e.code(), e.what()};   }

static RustError::by_value error_from(const std::exception& e, const char* what)
{
    std::string msg = std::string(what) + ": " + e.what();
    return RustError{-1, msg};
}

// Runs `body`, turning every exception into a RustError.
template<class F>
static RustError::by_value guarded(const char* what, F body)
{
    try {
        return body();
    } catch (const cuda_error& e) {
        return error_from(e);
    } catch (const std::exception& e) {
        return error_from(e, what);
    } catch (...) {
        return RustError{-1, std::string(what) + ": unknown C++ exception"};
    }
}

extern "C" {

// Number of usable GPUs (compute capability >= 7.0, cooperative launch); 0 without a driver.
size_t zkinfer_cuda_ngpus()
{
    try {
        return ngpus();
    } catch (...) {
        return 0;
    }
}

// The CUDA version the installed driver supports (e.g. 13000 for 13.0); 0 without a driver.
int zkinfer_cuda_driver_version()
{
    int version = 0;
    if (cudaDriverGetVersion(&version) != cudaSuccess)
        return 0;
    return version;
}

// The CUDA runtime version this library was built with (e.g. 13050).
int zkinfer_cuda_runtime_version()
{
    int version = 0;
    if (cudaRuntimeGetVersion(&version) != cudaSuccess)
        return 0;
    return version;
}

// Properties of the GPU sppark numbers `id` (0 = the first usable one).
RustError::by_value zkinfer_cuda_device_props(int id, zkinfer_device_props_t* out)
{
    return guarded("device_props", [&]() -> RustError::by_value {
        if ((size_t)id >= ngpus())
            return RustError{cudaErrorNoDevice, "no such CUDA device"};
        const cudaDeviceProp& p = gpu_props(id);
        std::memset(out, 0, sizeof(*out));
        std::memcpy(out->name, p.name,
                    strnlen(p.name, std::min(sizeof(p.name), sizeof(out->name) - 1)));
        out->total_mem = p.totalGlobalMem;
        out->sm_count = p.multiProcessorCount;
        out->major = p.major;
        out->minor = p.minor;
        return RustError{cudaSuccess};
    });
}

// Uploads `n` >= 1 G1 bases once; `*out` owns them until zkinfer_cuda_msm_g1_free.
RustError::by_value zkinfer_cuda_msm_g1_new(zkinfer_msm_g1_t** out,
                                           const affine_t* points, size_t n)
{
    *out = nullptr;
    return guarded("msm_g1_new", [&]() -> RustError::by_value {
        auto* msm = new zkinfer_msm_g1_t(points, n);
        try {
            // The constructor's upload is asynchronous: finish it (and surface its errors)
            // before the caller frees `points`.
            select_gpu(DEVICE_ID).sync();
        } catch (...) {
            // Not deleted: msm_t's destructor synchronises the device and throws after a
            // device error, which in a destructor is std::terminate. Leaking is the lesser evil.
            (void)msm;
            throw;
        }
        *out = msm;
        return RustError{cudaSuccess};
    });
}

void zkinfer_cuda_msm_g1_free(zkinfer_msm_g1_t* msm)
{
    // sppark's destructor synchronises the device and frees the buffers; after a device error
    // its (implicitly noexcept) destructor throws, which terminates the process. There is no
    // way around that without changing sppark, and a device in that state is lost anyway.
    delete msm;
}

// `*out = Σ scalars[i]·bases[i]` over the resident bases; `n` must equal their number.
RustError::by_value zkinfer_cuda_msm_g1_invoke(zkinfer_msm_g1_t* msm, point_t* out,
                                              const scalar_t* scalars, size_t n)
{
    return guarded("msm_g1_invoke", [&]() -> RustError::by_value {
        if (n != msm->npoints)
            return RustError{cudaErrorInvalidValue, "scalar count differs from base count"};
        select_gpu(DEVICE_ID);  // this thread's current device = the one the object lives on
        return msm->msm.invoke(*out, (const affine_t*)nullptr, n, scalars, true);
    });
}

// Uploads `n` >= 1 G2 bases once; `*out` owns them until zkinfer_cuda_msm_g2_free.
RustError::by_value zkinfer_cuda_msm_g2_new(zkinfer_msm_g2_t** out,
                                           const affine_fp2_t* points, size_t n)
{
    *out = nullptr;
    return guarded("msm_g2_new", [&]() -> RustError::by_value {
        auto* msm = new zkinfer_msm_g2_t(points, n);
        try {
            // The constructor's upload is asynchronous: finish it (and surface its errors)
            // before the caller frees `points`.
            select_gpu(DEVICE_ID).sync();
        } catch (...) {
            // Not deleted: msm_t's destructor synchronises the device and throws after a
            // device error, which in a destructor is std::terminate. Leaking is the lesser evil.
            (void)msm;
            throw;
        }
        *out = msm;
        return RustError{cudaSuccess};
    });
}

void zkinfer_cuda_msm_g2_free(zkinfer_msm_g2_t* msm)
{
    delete msm;  // as for G1
}

RustError::by_value zkinfer_cuda_msm_g2_invoke(zkinfer_msm_g2_t* msm, point_fp2_t* out,
                                              const scalar_t* scalars, size_t n)
{
    return guarded("msm_g2_invoke", [&]() -> RustError::by_value {
        if (n != msm->npoints)
            return RustError{cudaErrorInvalidValue, "scalar count differs from base count"};
        select_gpu(DEVICE_ID);  // this thread's current device = the one the object lives on
        return msm->msm.invoke(*out, (const affine_fp2_t*)nullptr, n, scalars, true);
    });
}

// In-place NTT of 2^lg_n Montgomery-form elements, natural order in and out. Inverse includes
// the 1/n scaling; coset = the standard coset (generator 5), as arkworks' coset domains.
RustError::by_value zkinfer_cuda_ntt(scalar_t* inout, uint32_t lg_n, bool inverse, bool coset)
{
    return guarded("ntt", [&]() -> RustError::by_value {
        if (lg_n > MAX_LG_DOMAIN_SIZE)
            return RustError{cudaErrorInvalidValue, "NTT domain beyond 2^28"};
        return NTT::Base(select_gpu(DEVICE_ID), inout, lg_n, NTT::InputOutputOrder::NN,
                         inverse ? NTT::Direction::inverse : NTT::Direction::forward,
                         coset ? NTT::Type::coset : NTT::Type::standard);
    });
}

// Subgroup evaluations -> standard-coset evaluations of the same polynomial, in place, with
// one upload and one download: inverse NTT natural-to-bit-reversed, then forward coset NTT
// bit-reversed-to-natural (no bit-reversal passes).
RustError::by_value zkinfer_cuda_coset_extend(scalar_t* inout, uint32_t lg_n)
{
    return guarded("coset_extend", [&]() -> RustError::by_value {
        if (lg_n > MAX_LG_DOMAIN_SIZE)
            return RustError{cudaErrorInvalidValue, "NTT domain beyond 2^28"};
        if (lg_n == 0)
            return RustError{cudaSuccess};
        const gpu_t& gpu = select_gpu(DEVICE_ID);
        size_t n = (size_t)1 << lg_n;
        dev_ptr_t<fr_t> d_inout{n, gpu};
        gpu.HtoD(&d_inout[0], inout, n);
        NTT::Base_dev_ptr(gpu, &d_inout[0], lg_n, NTT::InputOutputOrder::NR,
                          NTT::Direction::inverse, NTT::Type::standard);
        NTT::Base_dev_ptr(gpu, &d_inout[0], lg_n, NTT::InputOutputOrder::RN,
                          NTT::Direction::forward, NTT::Type::coset);
        gpu.DtoH(inout, &d_inout[0], n);
        gpu.sync();
        return RustError{cudaSuccess};
    });
}

} // extern "C"
