// jstat ships no types; the bench uses only Student's t quantile function.
declare module "jstat" {
  const jStat: { studentt: { inv(p: number, dof: number): number } };
  export default jStat;
}
