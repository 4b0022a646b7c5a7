exports.handler = async () => {{;
