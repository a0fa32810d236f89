export * from './auth';
export * from './rooms';
export * from './recordings';
export * from './system';
export * from './recovery';
