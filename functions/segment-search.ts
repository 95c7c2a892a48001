// PLACEHOLDER: replaced by the serverless runtime work
export const handler = async (): Promise<never> => {
  throw new Error('not built yet');
};
