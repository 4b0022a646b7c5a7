let count = 0;
export const handler = async (event) => ({ esm: true, count: ++count, event });
