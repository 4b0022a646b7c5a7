exports.handler = async () => "deep path";
