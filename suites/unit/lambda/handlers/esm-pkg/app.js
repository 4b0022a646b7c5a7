export const lambdaHandler = async () => ({ esmJs: typeof require === "undefined" });
