using System.Runtime.Intrinsics;

namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the micro-kernel's order, so the inner loop reads both
/// operands with unit stride whatever the transposes and leading dimensions are. Missing rows or
/// columns at the edges are zero-filled: they contribute exact zeros to tiles that are not stored.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[0..mc, 0..kc] (A already offset to the block) into MR-row micro-panels:
    /// panel q holds, for each p, the MR values op(A)[q·MR + r, p] contiguously.
    /// </summary>
    public static void PackA(bool transA, float* a, int lda, int mc, int kc, float* dst)
    {
        const int mr = GemmBlocking.MR;
        if (transA)
        {
            // op(A)[i,p] = A[p,i]: walk A row by row (contiguous), scattering each row across the panels,
            // so every cache line of A is read once.
            int fullPanels = mc / mr, rest = mc - fullPanels * mr;
            for (int p = 0; p < kc; p++)
            {
                float* src = a + (long)p * lda;
                float* d = dst + p * mr;
                for (int q = 0; q < fullPanels; q++, src += mr, d += (long)mr * kc)
                {
                    d[0] = src[0]; d[1] = src[1]; d[2] = src[2];
                    d[3] = src[3]; d[4] = src[4]; d[5] = src[5];
                }
                if (rest > 0)
                {
                    int r = 0;
                    for (; r < rest; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0f;
                }
            }
            return;
        }
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            float* r0 = a + (long)i0 * lda;
            if (rows == mr)
            {
                float* r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
                for (int p = 0; p < kc; p++)
                {
                    dst[0] = r0[p]; dst[1] = r1[p]; dst[2] = r2[p];
                    dst[3] = r3[p]; dst[4] = r4[p]; dst[5] = r5[p];
                    dst += mr;
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    int r = 0;
                    for (; r < rows; r++) dst[r] = r0[(long)r * lda + p];
                    for (; r < mr; r++) dst[r] = 0f;
                    dst += mr;
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[0..kc, 0..nc] (B already offset to the block) into NR-column micro-panels:
    /// panel q holds, for each p, the NR values op(B)[p, q·NR + c] contiguously.
    /// </summary>
    public static void PackB(bool transB, float* b, int ldb, int kc, int nc, float* dst)
    {
        int nr = GemmBlocking.NR;
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            if (transB)
            {
                // op(B)[p,j] = B[j,p]: read each source row contiguously, write it down a packed column.
                for (int c = 0; c < cols; c++)
                {
                    float* src = b + (long)(j0 + c) * ldb;
                    float* d = dst + c;
                    for (int p = 0; p < kc; p++) d[(long)p * nr] = src[p];
                }
                for (int c = cols; c < nr; c++)
                    for (int p = 0; p < kc; p++) dst[(long)p * nr + c] = 0f;
            }
            else if (cols == nr)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)p * ldb + j0;
                    float* d = dst + (long)p * nr;
                    for (int c = 0; c < nr; c += Vector256<float>.Count)
                        Vector256.Store(Vector256.Load(src + c), d + c);
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)p * ldb + j0;
                    float* d = dst + (long)p * nr;
                    int c = 0;
                    for (; c < cols; c++) d[c] = src[c];
                    for (; c < nr; c++) d[c] = 0f;
                }
            }
            dst += (long)kc * nr;
        }
    }
}
