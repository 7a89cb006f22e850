/**
 * The two distributions the diff's noise model needs, from jstat (which ships
 * no type declarations). jstat is one file without dependencies; @stdlib's
 * t distribution alone brings 223 packages.
 */
interface StudentT {
  cdf(x: number, df: number): number;
  inv(p: number, df: number): number;
}
interface Normal {
  cdf(x: number, mean: number, sd: number): number;
  inv(p: number, mean: number, sd: number): number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jStat } = require('jstat') as { jStat: { studentt: StudentT; normal: Normal } };

export const studentt: StudentT = jStat.studentt;
export const normal: Normal = jStat.normal;
