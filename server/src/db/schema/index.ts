export * from './auth';
export * from './rooms';
export * from './orgs';
export * from './recordings';
export * from './org-invitations';
export * from './system';
export * from './recovery';
